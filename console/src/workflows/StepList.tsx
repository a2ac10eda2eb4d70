// The steps, in the order they run: add, remove, move up and down.
import { useState } from "react";
import { move, newStep, type StepDraft } from "./draft";
import { SectionErrors } from "./Field";
import { sentence, STEPS, type Placement } from "./placement";
import { StepEditor, type FocusTarget } from "./StepEditor";

interface Props {
  steps: StepDraft[];
  placement: Placement;
  onChange(steps: StepDraft[]): void;
}

export function StepList({ steps, placement, onChange }: Props) {
  const replace = (i: number, step: StepDraft) => onChange(steps.map((s, j) => (j === i ? step : s)));
  // Where the keyboard goes after a move, a removal or an addition (the buttons pressed
  // may have moved away or gone): a count, so pressing twice focuses twice.
  const [focus, setFocus] = useState<{ key: string; target: FocusTarget; n: number }>({
    key: "",
    target: "heading",
    n: 0,
  });
  const focusOn = (key: string | undefined, target: FocusTarget) =>
    key && setFocus((f) => ({ key, target, n: f.n + 1 }));
  return (
    <section className="steps-editor" aria-labelledby="steps-title">
      <h2 id="steps-title">Steps</h2>
      <p className="muted">They run in this order.</p>
      <SectionErrors messages={placement.rest(STEPS).map((v) => sentence(v.description))} />
      <ol className="step-list">
        {steps.map((step, i) => (
          <StepEditor
            key={step.key}
            step={step}
            index={i}
            count={steps.length}
            placement={placement}
            onChange={(s) => replace(i, s)}
            focus={focus.key === step.key ? focus : undefined}
            onMove={(by) => {
              onChange(move(steps, i, by));
              focusOn(step.key, by < 0 ? "up" : "down");
            }}
            onRemove={() => {
              onChange(steps.filter((_, j) => j !== i));
              focusOn(steps[i === 0 ? 1 : i - 1]?.key, "heading");
            }}
          />
        ))}
      </ol>
      <button
        type="button"
        className="secondary"
        disabled={steps.length >= 20}
        onClick={() => {
          const added = newStep("log", `Step ${steps.length + 1}`);
          onChange([...steps, added]);
          focusOn(added.key, "heading");
        }}
      >
        Add a step
      </button>
    </section>
  );
}
