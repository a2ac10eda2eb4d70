// A labelled control with its problem (from the API or from the console) beside it, tied
// to it with aria-describedby / aria-invalid. The control comes from a render function
// that gets the id and ARIA attributes to spread on it.
import { useId, type ReactNode } from "react";

export interface ControlProps {
  id: string;
  "aria-invalid"?: true;
  "aria-describedby"?: string;
}

interface Props {
  label: string;
  error?: string;
  hint?: ReactNode;
  className?: string;
  children(control: ControlProps): ReactNode;
}

export function Field({ label, error, hint, className = "", children }: Props) {
  const id = useId();
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div className={`field ${error ? "field-invalid" : ""} ${className}`.trim()}>
      <label htmlFor={id}>{label}</label>
      {children({ id, "aria-invalid": error ? true : undefined, "aria-describedby": described || undefined })}
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} className="field-error">
          {error}
        </small>
      )}
    </div>
  );
}

/** Violations that belong to a section (a step, the trigger) and to none of its inputs. */
export function SectionErrors({ messages }: { messages: string[] }) {
  if (messages.length === 0) return null;
  return (
    <ul className="section-errors" tabIndex={-1}>
      {messages.map((m) => (
        <li key={m} className="field-error">
          {m}
        </li>
      ))}
    </ul>
  );
}
