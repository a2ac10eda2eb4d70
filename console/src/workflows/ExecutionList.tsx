// A workflow's runs, newest first. While any has not ended, the list looks again every
// second; once all have ended, it stops.
import { useQuery } from "@tanstack/react-query";
import { listExecutions } from "../api/workflows";
import { ErrorBanner } from "../components/ErrorBanner";
import { ExecutionItem } from "./ExecutionItem";
import { isActive, POLL_MS } from "./format";

interface Props {
  workflowId: string;
  /** A run to show opened (the one just started). */
  openId: string;
  canRetry: boolean;
}

export function ExecutionList({ workflowId, openId, canRetry }: Props) {
  const runs = useQuery({
    queryKey: ["executions", workflowId],
    queryFn: () => listExecutions(workflowId),
    refetchInterval: (query) => (query.state.data?.some(isActive) ? POLL_MS : false),
  });
  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      <ErrorBanner error={runs.error} />
      {runs.isPending && <p role="status">Loading runs…</p>}
      {runs.data?.length === 0 && <p className="empty">No runs yet.</p>}
      <ul className="run-list" aria-label="Runs, newest first">
        {runs.data?.map((run) => (
          <ExecutionItem
            key={run.id}
            workflowId={workflowId}
            execution={run}
            initiallyOpen={run.id === openId}
            canRetry={canRetry}
          />
        ))}
      </ul>
    </section>
  );
}
