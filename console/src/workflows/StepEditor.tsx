// One step of the editor: its name and type, its settings, moves and removal, and the
// advanced settings (continue on error, timeout, attempts) behind a disclosure.
import { useEffect, useId, useRef, useState } from "react";
import type { StepType } from "../api/workflows";
import { STEP_TYPES, type StepDraft } from "./draft";
import { Field, SectionErrors } from "./Field";
import { sentence, stepPath, type Placement } from "./placement";
import { StepConfigFields } from "./StepConfigFields";

/** What to focus in a step after a change to the list: its heading, or a move button (the heading when that one is disabled). */
export type FocusTarget = "heading" | "up" | "down";

interface Props {
  step: StepDraft;
  focus?: { target: FocusTarget; n: number };
  index: number;
  count: number;
  placement: Placement;
  onChange(step: StepDraft): void;
  onMove(by: -1 | 1): void;
  onRemove(): void;
}

export function StepEditor({ step, index, count, focus, placement, onChange, onMove, onRemove }: Props) {
  const heading = useRef<HTMLHeadingElement>(null);
  const up = useRef<HTMLButtonElement>(null);
  const down = useRef<HTMLButtonElement>(null);
  const focusTarget = focus?.target;
  const focusCount = focus?.n;
  useEffect(() => {
    if (!focusCount) return;
    const button = focusTarget === "up" ? up.current : focusTarget === "down" ? down.current : null;
    (button && !button.disabled ? button : heading.current)?.focus();
  }, [focusTarget, focusCount]);
  const where = stepPath(index);
  const label = `Step ${index + 1}`;
  const set = (changes: Partial<StepDraft>) => onChange({ ...step, ...changes });
  const at = (field: string) => placement.at(`${where}.${field}`);
  const advancedErrors = ["continue_on_error", "timeout_seconds", "max_attempts"].some((f) => at(f));
  const [open, setOpen] = useState(false);
  const shown = open || advancedErrors;
  const id = useId();
  const rest = placement.rest(where).map((v) => sentence(v.description));
  return (
    <li
      className={rest.length ? "panel step-editor step-invalid" : "panel step-editor"}
      aria-labelledby={`${id}-title`}
    >
      <div className="step-head">
        <h3 id={`${id}-title`} ref={heading} tabIndex={-1}>
          {label}
          {step.name.trim() && step.name.trim() !== label && <span className="muted"> · {step.name}</span>}
        </h3>
        <div className="actions">
          <button ref={up} type="button" className="secondary small" disabled={index === 0} onClick={() => onMove(-1)}>
            Move {label.toLowerCase()} up
          </button>
          <button
            ref={down}
            type="button"
            className="secondary small"
            disabled={index === count - 1}
            onClick={() => onMove(1)}
          >
            Move {label.toLowerCase()} down
          </button>
          <button type="button" className="danger small" disabled={count === 1} onClick={onRemove}>
            Remove {label.toLowerCase()}
          </button>
        </div>
      </div>
      <SectionErrors messages={rest} />
      <div className="row">
        <Field label={`${label} name`} error={at("name")}>
          {(control) => <input {...control} value={step.name} onChange={(e) => set({ name: e.target.value })} />}
        </Field>
        <Field label={`${label} type`} error={at("type")}>
          {(control) => (
            <select {...control} value={step.type} onChange={(e) => set({ type: e.target.value as StepType })}>
              {STEP_TYPES.map(([type, text]) => (
                <option key={type} value={type}>
                  {text}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <StepConfigFields step={step} label={label} set={set} at={(f) => at(`config.${f}`)} />
      <button
        type="button"
        className="link-button"
        aria-expanded={shown}
        aria-controls={`${id}-advanced`}
        onClick={() => setOpen(!shown)}
      >
        {shown ? "▾" : "▸"} Advanced settings of {label.toLowerCase()}
      </button>
      {shown && (
        <div id={`${id}-advanced`} className="advanced">
          <label className="check">
            <input
              type="checkbox"
              checked={step.continueOnError}
              onChange={(e) => set({ continueOnError: e.target.checked })}
            />{" "}
            Go on with the next step when this one fails
          </label>
          <div className="row">
            <Field label={`${label} timeout (seconds)`} error={at("timeout_seconds")} hint="per attempt; 30 when empty">
              {(control) => (
                <input
                  {...control}
                  inputMode="numeric"
                  value={step.timeoutSeconds}
                  onChange={(e) => set({ timeoutSeconds: e.target.value })}
                />
              )}
            </Field>
            <Field label={`${label} attempts`} error={at("max_attempts")} hint="1 to 10; 3 when empty">
              {(control) => (
                <input
                  {...control}
                  inputMode="numeric"
                  value={step.maxAttempts}
                  onChange={(e) => set({ maxAttempts: e.target.value })}
                />
              )}
            </Field>
          </div>
        </div>
      )}
    </li>
  );
}
