// One run: its status, what started it, when and for how long; opened, each step's record
// (fetched, and fetched again every second while the run has not ended) and Retry.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { getExecution, type Execution } from "../api/workflows";
import { ErrorBanner } from "../components/ErrorBanner";
import { executionDuration, isActive, POLL_MS, statusWord } from "./format";
import { RetryButtons } from "./RetryButtons";
import { StatusBadge } from "./StatusBadge";
import { StepRunView } from "./StepRunView";

interface Props {
  workflowId: string;
  execution: Execution;
  initiallyOpen: boolean;
  canRetry: boolean;
}

export function ExecutionItem({ workflowId, execution, initiallyOpen, canRetry }: Props) {
  const [open, setOpen] = useState(initiallyOpen);
  const detail = useQuery({
    queryKey: ["execution", workflowId, execution.id],
    queryFn: () => getExecution(workflowId, execution.id),
    enabled: open,
    refetchInterval: (query) => (query.state.data && !isActive(query.state.data) ? false : POLL_MS),
  });
  const run = detail.data ?? execution;
  const started = run.create_time ? new Date(run.create_time).toLocaleString() : "";
  return (
    <li>
      <details className="panel run" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>
          <StatusBadge status={run.status} /> <span className="run-trigger">{run.trigger_type || "manual"}</span>
          <span className="muted">
            {" "}
            · started {started}
            {!isActive(run) && ` · took ${executionDuration(run)}`}
          </span>
        </summary>
        {run.error && <p className="field-error">{run.error}</p>}
        <ErrorBanner error={detail.error} />
        {open && detail.isPending && !run.steps?.length && <p role="status">Loading steps…</p>}
        {run.trigger_data && Object.keys(run.trigger_data).length > 0 && (
          <details className="json">
            <summary>Trigger data</summary>
            <pre>{JSON.stringify(run.trigger_data, null, 2)}</pre>
          </details>
        )}
        <ol className="step-runs">
          {run.steps?.map((step) => (
            <StepRunView key={`${step.index}-${step.name}`} step={step} />
          ))}
        </ol>
        {canRetry && statusWord(run.status) === "failed" && <RetryButtons workflowId={workflowId} runId={run.id} />}
      </details>
    </li>
  );
}
