// What one step of a run did: status, attempts, duration, then its input, output, logs
// and error.
import type { StepRun } from "../api/workflows";
import { stepFacts } from "./format";
import { StatusBadge } from "./StatusBadge";

export function StepRunView({ step }: { step: StepRun }) {
  const has = (value: Record<string, unknown> | undefined) => value && Object.keys(value).length > 0;
  return (
    <li className="step-run">
      <div className="step-run-head">
        <StatusBadge status={step.status} /> <strong>{step.name}</strong> <span className="muted">({step.type})</span>
        <span className="muted">{stepFacts(step)}</span>
      </div>
      {step.error && <p className="field-error">{step.error}</p>}
      {step.logs && step.logs.length > 0 && (
        <div className="step-logs">
          <span className="muted">Logs</span>
          <pre>{step.logs.join("\n")}</pre>
        </div>
      )}
      {(has(step.input) || has(step.output)) && (
        <div className="step-io">
          {has(step.input) && (
            <div>
              <span className="muted">Input</span>
              <pre>{JSON.stringify(step.input, null, 2)}</pre>
            </div>
          )}
          {has(step.output) && (
            <div>
              <span className="muted">Output</span>
              <pre>{JSON.stringify(step.output, null, 2)}</pre>
            </div>
          )}
        </div>
      )}
    </li>
  );
}
