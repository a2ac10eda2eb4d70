// One workflow: what starts it and its steps, Run now, and its runs.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { deleteWorkflow, getWorkflow } from "../api/workflows";
import { usePrincipal } from "../auth/AuthProvider";
import { ErrorBanner } from "../components/ErrorBanner";
import { canEditWorkflows } from "./canEdit";
import { EnabledToggle } from "./EnabledToggle";
import { ExecutionList } from "./ExecutionList";
import { triggerSummary } from "./format";
import { RunNowForm } from "./RunNowForm";
import { useTableNames } from "./useTableNames";

export function WorkflowPage() {
  const { workflowId = "" } = useParams();
  const workflow = useQuery({ queryKey: ["workflow", workflowId], queryFn: () => getWorkflow(workflowId) });
  const editor = canEditWorkflows(usePrincipal());
  const [error, setError] = useState<unknown>(null);
  const [started, setStarted] = useState("");
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const remove = useMutation({
    mutationFn: () => deleteWorkflow(workflowId),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["workflows"] });
      navigate("/workflows");
    },
  });
  const wf = workflow.data;
  const tableName = useTableNames(wf?.trigger?.record?.base_id);
  return (
    <section className="page" aria-labelledby="workflow-title">
      <p className="crumbs">
        <Link to="/workflows">Workflows</Link>
      </p>
      <div className="page-head">
        <h1 id="workflow-title">{wf?.name ?? "Workflow"}</h1>
        {wf && editor && (
          <div className="actions">
            <Link to={`/workflows/${workflowId}/edit`} className="button-link secondary">
              Edit
            </Link>
            <button
              type="button"
              className="danger"
              disabled={remove.isPending}
              onClick={() => window.confirm(`Delete the workflow “${wf.name}” and all its runs?`) && remove.mutate()}
            >
              Delete
            </button>
          </div>
        )}
      </div>
      <ErrorBanner error={workflow.error ?? remove.error ?? error} />
      {workflow.isPending && <p role="status">Loading the workflow…</p>}
      {wf && (
        <>
          {wf.description && <p>{wf.description}</p>}
          <dl className="facts">
            <dt>Trigger</dt>
            <dd>{triggerSummary(wf.trigger, tableName)}</dd>
            <dt>Steps</dt>
            <dd>{wf.steps.map((s) => `${s.name} (${s.type})`).join(" → ")}</dd>
            <dt>Enabled</dt>
            <dd>
              <EnabledToggle workflow={wf} disabled={!editor} onError={setError} />
            </dd>
          </dl>
          {editor && <RunNowForm workflow={wf} onStarted={setStarted} />}
          <ExecutionList workflowId={workflowId} openId={started} canRetry={editor} />
        </>
      )}
    </section>
  );
}
