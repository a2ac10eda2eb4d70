// A workflow's on/off switch: PATCHes `enabled`. It shows the new state at once (set in
// the click, so the browser keeps the box as clicked), the saved one after the answer, and
// the old one again when the API refuses (the page shows why, e.g. a viewer's 403).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { updateWorkflow, type Workflow } from "../api/workflows";

interface Props {
  workflow: Workflow;
  disabled?: boolean;
  onError(error: unknown): void;
}

export function EnabledToggle({ workflow, disabled = false, onError }: Props) {
  const [wanted, setWanted] = useState<boolean | null>(null);
  const queryClient = useQueryClient();
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => updateWorkflow(workflow.id!, { enabled }, ["enabled"]),
    onMutate: () => onError(null),
    onError,
    onSuccess: (saved) => {
      queryClient.setQueryData<Workflow[]>(["workflows"], (list) => list?.map((w) => (w.id === saved.id ? saved : w)));
      queryClient.setQueryData(["workflow", saved.id], saved);
    },
    onSettled: () => setWanted(null),
  });
  const enabled = wanted ?? !!workflow.enabled;
  return (
    <label className="check toggle">
      <input
        type="checkbox"
        role="switch"
        checked={enabled}
        disabled={disabled || toggle.isPending}
        aria-label={`Enabled: ${workflow.name}`}
        onChange={(e) => {
          setWanted(e.target.checked);
          toggle.mutate(e.target.checked);
        }}
      />
      <span aria-hidden="true">{enabled ? "On" : "Paused"}</span>
    </label>
  );
}
