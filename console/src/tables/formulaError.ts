// Where a formula went wrong. The airtable service reports a formula's syntax error as a
// BadRequest violation of filter_by_formula that starts "at position N: ..." (1-based).
import { ApiError } from "../api/errors";

export interface FormulaProblem {
  message: string;
  /** 0-based index into the formula, or null when the API named no position. */
  index: number | null;
}

const POSITION = /^at position (\d+):\s*/;

export function formulaProblem(error: unknown, formula: string): FormulaProblem | null {
  if (!(error instanceof ApiError)) return null;
  const description = error.fieldError("filter_by_formula");
  if (description === undefined) return null;
  const match = POSITION.exec(description);
  if (!match) return { message: description, index: null };
  const index = Math.min(Math.max(Number(match[1]) - 1, 0), formula.length);
  return { message: description.slice(match[0].length), index };
}

/** The line drawn under the formula: spaces up to the position, then a caret. */
export function caretLine(index: number): string {
  return `${" ".repeat(index)}^`;
}
