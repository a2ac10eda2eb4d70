// A workflow's runs, newest first, a page at a time (older ones on demand). While any has
// not ended, the list looks again every second; once all have ended, it stops.
import { useInfiniteQuery } from "@tanstack/react-query";
import { listExecutionsPage } from "../api/workflows";
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
  const pages = useInfiniteQuery({
    queryKey: ["executions", workflowId],
    queryFn: ({ pageParam }) => listExecutionsPage(workflowId, pageParam),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_page_token || undefined,
    refetchInterval: (query) =>
      query.state.data?.pages.some((p) => (p.executions ?? []).some(isActive)) ? POLL_MS : false,
  });
  const runs = { ...pages, data: pages.data?.pages.flatMap((p) => p.executions ?? []) };
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
      {pages.hasNextPage && (
        <button type="button" className="secondary" onClick={() => pages.fetchNextPage()} disabled={pages.isFetching}>
          Older runs
        </button>
      )}
    </section>
  );
}
