// A labelled input whose API field violation (if any) is shown beside it and tied to it
// with aria-describedby / aria-invalid.
import { useId, type InputHTMLAttributes } from "react";
import { ApiError } from "../api/errors";

interface Props extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  name: string;
  error?: unknown;
  hint?: string;
}

export function TextField({ label, name, error, hint, ...input }: Props) {
  const id = useId();
  const violation = error instanceof ApiError ? error.fieldError(name) : undefined;
  const message = violation && violation.charAt(0).toUpperCase() + violation.slice(1);
  const showHint = hint && !message;
  const described = [showHint ? `${id}-hint` : "", message ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div className={message ? "field field-invalid" : "field"}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        aria-invalid={message ? true : undefined}
        aria-describedby={described || undefined}
        {...input}
      />
      {showHint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
      {message && (
        <small id={`${id}-error`} className="field-error">
          {message}
        </small>
      )}
    </div>
  );
}
