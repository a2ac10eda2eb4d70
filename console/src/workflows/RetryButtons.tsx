// Retry a failed run: from the step that failed (the ones before keep their results), or
// from the start.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { retryExecution } from "../api/workflows";
import { ErrorBanner } from "../components/ErrorBanner";

export function RetryButtons({ workflowId, runId }: { workflowId: string; runId: string }) {
  const queryClient = useQueryClient();
  const retry = useMutation({
    mutationFn: (fromStart: boolean) => retryExecution(workflowId, runId, fromStart),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["executions", workflowId] });
      void queryClient.invalidateQueries({ queryKey: ["execution", workflowId, runId] });
    },
  });
  return (
    <div className="actions retry">
      <button type="button" disabled={retry.isPending} onClick={() => retry.mutate(false)}>
        Retry from the failed step
      </button>
      <button type="button" className="secondary" disabled={retry.isPending} onClick={() => retry.mutate(true)}>
        Retry from the start
      </button>
      <ErrorBanner error={retry.error} title="Not retried." />
    </div>
  );
}
