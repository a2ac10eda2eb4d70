// One workflow in the list, with its last run (fetched per row).
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { listExecutions, type Workflow } from "../api/workflows";
import { EnabledToggle } from "./EnabledToggle";
import { triggerSummary } from "./format";
import { StatusBadge } from "./StatusBadge";
import { useTableNames } from "./useTableNames";

interface Props {
  workflow: Workflow;
  editor: boolean;
  onError(error: unknown): void;
}

export function WorkflowRow({ workflow, editor, onError }: Props) {
  const last = useQuery({
    queryKey: ["executions", workflow.id, "last"],
    queryFn: () => listExecutions(workflow.id!, 1),
  });
  const tableName = useTableNames(workflow.trigger?.record?.base_id);
  const run = last.data?.[0];
  return (
    <tr>
      <td>
        <Link to={`/workflows/${workflow.id}`}>{workflow.name}</Link>
        {workflow.description && <div className="muted">{workflow.description}</div>}
      </td>
      <td>{triggerSummary(workflow.trigger, tableName)}</td>
      <td>
        <EnabledToggle workflow={workflow} disabled={!editor} onError={onError} />
      </td>
      <td className="nowrap">
        {run ? (
          <>
            <StatusBadge status={run.status} />
            {run.create_time && <span className="muted"> {new Date(run.create_time).toLocaleString()}</span>}
          </>
        ) : (
          <span className="muted">{last.isPending ? "…" : "Never run"}</span>
        )}
      </td>
    </tr>
  );
}
