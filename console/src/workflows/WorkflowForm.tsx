// The workflow editor's form: name, description, trigger, steps. Problems the console
// sees itself and the API's field violations both show beside their inputs.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { ApiError, type FieldViolation } from "../api/errors";
import { createWorkflow, updateWorkflow } from "../api/workflows";
import { ErrorBanner } from "../components/ErrorBanner";
import { toWorkflow, type StepDraft, type WorkflowDraft } from "./draft";
import { Field } from "./Field";
import { inputPaths, placeViolations } from "./placement";
import { StepList } from "./StepList";
import { TriggerFields } from "./TriggerFields";

const MASK = ["name", "description", "enabled", "trigger", "steps", "overlap_policy"];

interface Props {
  initial: WorkflowDraft;
  /** Set when changing an existing workflow. */
  workflowId?: string;
}

export function WorkflowForm({ initial, workflowId }: Props) {
  const [draft, setDraft] = useState(initial);
  const [error, setError] = useState<unknown>(null);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const save = useMutation({
    mutationFn: async () => {
      const { workflow, problems } = toWorkflow(draft);
      if (problems.length) throw localProblems(problems);
      return workflowId ? updateWorkflow(workflowId, workflow, MASK) : createWorkflow(workflow);
    },
    onMutate: () => setError(null),
    onError: setError,
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: ["workflows"] });
      void queryClient.invalidateQueries({ queryKey: ["workflow", saved.id] });
      navigate(`/workflows/${saved.id}`);
    },
  });
  const violations = error instanceof ApiError ? error.violations : [];
  const inputs = inputPaths(
    draft.trigger.kind,
    draft.steps.map((s) => s.type),
  );
  const placement = placeViolations(violations, inputs, draft.steps.length);
  // A refused save: the keyboard (and the screen) go to the first input with a problem,
  // or to the banner when none shows one.
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (!error || !form.current) return;
    const find = (selector: string) => form.current?.querySelector<HTMLElement>(selector);
    const first = find('[aria-invalid="true"]') ?? find(".section-errors") ?? find(".error-banner");
    first?.focus();
    first?.scrollIntoView({ block: "center" });
  }, [error]);
  const set = (changes: Partial<WorkflowDraft>) => setDraft({ ...draft, ...changes });
  const setSteps = (steps: StepDraft[]) => {
    // The violations name steps by position: once steps move, they would point at others.
    if (steps.map((s) => s.key).join() !== draft.steps.map((s) => s.key).join()) setError(null);
    set({ steps });
  };
  return (
    <form
      ref={form}
      className="workflow-form"
      aria-label={workflowId ? "Edit workflow" : "New workflow"}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <ErrorBanner error={error} fields={placement.placed} title="Not saved." />
      <Field label="Name" error={placement.at("workflow.name")}>
        {(control) => <input {...control} value={draft.name} onChange={(e) => set({ name: e.target.value })} />}
      </Field>
      <Field label="Description" error={placement.at("workflow.description")}>
        {(control) => (
          <textarea
            {...control}
            rows={2}
            value={draft.description}
            onChange={(e) => set({ description: e.target.value })}
          />
        )}
      </Field>
      <div className="row">
        <label className="check">
          <input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} /> Enabled
        </label>
        <Field label="When started while a run is still going" error={placement.at("workflow.overlap_policy")}>
          {(control) => (
            <select {...control} value={draft.overlapPolicy} onChange={(e) => set({ overlapPolicy: e.target.value })}>
              <option value="OVERLAP_POLICY_SKIP">Skip the new run</option>
              <option value="OVERLAP_POLICY_QUEUE">Queue it after the running one</option>
            </select>
          )}
        </Field>
      </div>
      <TriggerFields trigger={draft.trigger} onChange={(trigger) => set({ trigger })} placement={placement} />
      <StepList steps={draft.steps} placement={placement} onChange={setSteps} />
      <div className="actions form-actions">
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : workflowId ? "Save changes" : "Create workflow"}
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => navigate(workflowId ? `/workflows/${workflowId}` : "/workflows")}
        >
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The console's own findings, shaped as the API's refusal so they show the same way. */
function localProblems(problems: FieldViolation[]): ApiError {
  return new ApiError("Some settings need a fix before saving.", 400, 3, problems);
}
