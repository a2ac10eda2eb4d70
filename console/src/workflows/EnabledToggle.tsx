// A workflow's on/off switch: PATCHes `enabled`; the list shows a refusal (403) itself.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { updateWorkflow, type Workflow } from "../api/workflows";

interface Props {
  workflow: Workflow;
  disabled?: boolean;
  onError(error: unknown): void;
}

export function EnabledToggle({ workflow, disabled = false, onError }: Props) {
  const queryClient = useQueryClient();
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => updateWorkflow(workflow.id!, { enabled }, ["enabled"]),
    onMutate: () => onError(null),
    onError,
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["workflows"] }),
  });
  const enabled = toggle.isPending ? !!toggle.variables : !!workflow.enabled;
  return (
    <label className="check toggle">
      <input
        type="checkbox"
        role="switch"
        checked={enabled}
        disabled={disabled || toggle.isPending}
        aria-label={`Enabled: ${workflow.name}`}
        onChange={(e) => toggle.mutate(e.target.checked)}
      />
      <span aria-hidden="true">{enabled ? "On" : "Paused"}</span>
    </label>
  );
}
