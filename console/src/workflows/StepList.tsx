// The steps, in the order they run: add, remove, move up and down.
import { move, newStep, type StepDraft } from "./draft";
import { SectionErrors } from "./Field";
import { STEPS, type Placement } from "./placement";
import { StepEditor } from "./StepEditor";

interface Props {
  steps: StepDraft[];
  placement: Placement;
  onChange(steps: StepDraft[]): void;
}

export function StepList({ steps, placement, onChange }: Props) {
  const replace = (i: number, step: StepDraft) => onChange(steps.map((s, j) => (j === i ? step : s)));
  return (
    <section className="steps-editor" aria-labelledby="steps-title">
      <h2 id="steps-title">Steps</h2>
      <p className="muted">They run in this order.</p>
      <SectionErrors messages={placement.rest(STEPS).map((v) => v.description)} />
      <ol className="step-list">
        {steps.map((step, i) => (
          <StepEditor
            key={step.key}
            step={step}
            index={i}
            count={steps.length}
            placement={placement}
            onChange={(s) => replace(i, s)}
            onMove={(by) => onChange(move(steps, i, by))}
            onRemove={() => onChange(steps.filter((_, j) => j !== i))}
          />
        ))}
      </ol>
      <button
        type="button"
        className="secondary"
        disabled={steps.length >= 20}
        onClick={() => onChange([...steps, newStep("log", `Step ${steps.length + 1}`)])}
      >
        Add a step
      </button>
    </section>
  );
}
