// The tenant's workflows: what starts each, on or paused, how its last run went.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { listWorkflows } from "../api/workflows";
import { usePrincipal } from "../auth/AuthProvider";
import { ErrorBanner } from "../components/ErrorBanner";
import { ListTable } from "../components/ListTable";
import { canEditWorkflows } from "./canEdit";
import { WorkflowRow } from "./WorkflowRow";

export function WorkflowsPage() {
  const workflows = useQuery({ queryKey: ["workflows"], queryFn: listWorkflows });
  const [error, setError] = useState<unknown>(null);
  const editor = canEditWorkflows(usePrincipal());
  return (
    <section className="page" aria-labelledby="workflows-title">
      <div className="page-head">
        <h1 id="workflows-title">Workflows</h1>
        {editor && (
          <Link to="/workflows/new" className="button-link">
            New workflow
          </Link>
        )}
      </div>
      {!editor && <p className="notice">You can look at the workflows; members and admins create and change them.</p>}
      <ErrorBanner error={workflows.error ?? error} />
      {workflows.isPending && <p role="status">Loading workflows…</p>}
      {workflows.data?.length === 0 && (
        <p className="empty">
          No workflows yet.{editor && " Make one to run steps when records change, on a schedule or by hand."}
        </p>
      )}
      <ListTable
        rows={workflows.data?.length ?? 0}
        columns={["Name", "Trigger", "Enabled", "Last run"]}
        caption="Your team's workflows"
      >
        {workflows.data?.map((wf) => (
          <WorkflowRow key={wf.id} workflow={wf} editor={editor} onError={setError} />
        ))}
      </ListTable>
    </section>
  );
}
