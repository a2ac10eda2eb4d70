// The filter: an Airtable formula, applied on submit. A formula the API refuses is shown
// with a caret under the position the API reports.
import { useId, useState } from "react";
import { caretLine, formulaProblem } from "./formulaError";

interface Props {
  applied: string;
  error: unknown;
  onApply(formula: string): void;
}

export function FormulaBox({ applied, error, onApply }: Props) {
  const [draft, setDraft] = useState(applied);
  const id = useId();
  const problem = formulaProblem(error, applied);
  return (
    <form
      className="formula-box"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(draft.trim());
      }}
    >
      <label htmlFor={id}>Filter by formula</label>
      <div className="formula-row">
        <input
          id={id}
          className="mono"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder="AND({Status} = 'Done', {Hours} > 2)"
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${id}-error` : undefined}
          spellCheck={false}
        />
        <button type="submit">Apply</button>
        {applied && (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft("");
              onApply("");
            }}
          >
            Clear
          </button>
        )}
      </div>
      {problem && (
        <div id={`${id}-error`} className="formula-error" role="alert">
          <p>The formula has an error: {problem.message}</p>
          {problem.index !== null && (
            <pre className="mono" aria-hidden="true">
              {applied}
              {"\n"}
              <span className="caret">{caretLine(problem.index)}</span>
            </pre>
          )}
        </div>
      )}
    </form>
  );
}
