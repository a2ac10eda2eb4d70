// A new workflow, or one to change: loads it (when editing), then the form.
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { getWorkflow } from "../api/workflows";
import { ErrorBanner } from "../components/ErrorBanner";
import { fromWorkflow, newDraft } from "./draft";
import { WorkflowForm } from "./WorkflowForm";

export function WorkflowEditorPage() {
  const { workflowId } = useParams();
  const existing = useQuery({
    queryKey: ["workflow", workflowId],
    queryFn: () => getWorkflow(workflowId!),
    enabled: !!workflowId,
  });
  const title = workflowId ? `Edit ${existing.data?.name ?? "workflow"}` : "New workflow";
  return (
    <section className="page" aria-labelledby="workflow-editor-title">
      <p className="crumbs">
        <Link to="/workflows">Workflows</Link>
        {workflowId && existing.data && (
          <>
            {" / "}
            <Link to={`/workflows/${workflowId}`}>{existing.data.name}</Link>
          </>
        )}
      </p>
      <h1 id="workflow-editor-title">{title}</h1>
      <ErrorBanner error={existing.error} />
      {workflowId && existing.isPending && <p role="status">Loading the workflow…</p>}
      {!workflowId && <WorkflowForm initial={newDraft()} />}
      {workflowId && existing.data && (
        <WorkflowForm key={existing.data.update_time} workflowId={workflowId} initial={fromWorkflow(existing.data)} />
      )}
    </section>
  );
}
