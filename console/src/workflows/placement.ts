// Where each field violation of a workflow shows. The API names a field by its path in the
// request (workflow.steps[2].config.formula): an input that edits that path shows it
// beside itself; a violation about a step (workflow.steps[2].config, "base not found")
// or the trigger as a whole shows at the top of that step or of the trigger; the rest
// goes to the page's banner.
import type { FieldViolation } from "../api/errors";

export const TRIGGER = "workflow.trigger";
export const STEPS = "workflow.steps";

export function stepPath(index: number): string {
  return `${STEPS}[${index}]`;
}

/** The field paths the editor has an input for, given its trigger kind and steps' types. */
export function inputPaths(triggerKind: string, stepTypes: string[]): string[] {
  const trigger =
    {
      manual: [],
      schedule: ["cron", "time_zone", "catch_up"],
      file_uploaded: ["extensions", "content_types", "max_size_bytes"],
      record: ["base_id", "table_id", "changes", "formula"],
    }[triggerKind] ?? [];
  const config: Record<string, string[]> = {
    log: ["message"],
    create_records: ["base_id", "table_id", "records"],
    update_records: ["base_id", "table_id", "records"],
    notify: ["title", "body"],
    delay: ["seconds"],
    condition: ["formula"],
  };
  return [
    "workflow.name",
    "workflow.description",
    "workflow.overlap_policy",
    TRIGGER,
    ...trigger.map((f) => `${TRIGGER}.${triggerKind}.${f}`),
    ...stepTypes.flatMap((type, i) => [
      `${stepPath(i)}.name`,
      `${stepPath(i)}.type`,
      `${stepPath(i)}.continue_on_error`,
      `${stepPath(i)}.timeout_seconds`,
      `${stepPath(i)}.max_attempts`,
      ...(config[type] ?? []).map((f) => `${stepPath(i)}.config.${f}`),
    ]),
  ];
}

/** A violation of `field` belongs to the input at `path`: the same path, or an item of it (records[1]). */
function isAt(field: string, path: string): boolean {
  return field === path || field.startsWith(`${path}[`);
}

function isWithin(field: string, section: string): boolean {
  return field === section || field.startsWith(`${section}.`) || field.startsWith(`${section}[`);
}

export interface Placement {
  /** The message to show beside the input at `path`, if any. */
  at(path: string): string | undefined;
  /** Violations inside `section` (the trigger, a step, the step list) that no input shows. */
  rest(section: string): FieldViolation[];
  /** The fields of every violation the page shows beside an input or in a section. */
  placed: string[];
}

/** Sections: the trigger, each step, and the step list itself (exact "workflow.steps"). */
function sectionOf(field: string, stepCount: number): string | undefined {
  if (isWithin(field, TRIGGER)) return TRIGGER;
  for (let i = 0; i < stepCount; i++) if (isWithin(field, stepPath(i))) return stepPath(i);
  if (field === STEPS) return STEPS;
  return undefined;
}

export function placeViolations(violations: FieldViolation[], inputs: string[], stepCount: number): Placement {
  const byInput = new Map<string, string[]>();
  const bySection = new Map<string, FieldViolation[]>();
  const placed: string[] = [];
  for (const v of violations) {
    const input = inputs.find((p) => isAt(v.field, p));
    if (input) {
      byInput.set(input, [...(byInput.get(input) ?? []), sentence(v.description)]);
      placed.push(v.field);
      continue;
    }
    const section = sectionOf(v.field, stepCount);
    if (section) {
      bySection.set(section, [...(bySection.get(section) ?? []), v]);
      placed.push(v.field);
    }
  }
  return {
    at: (path) => byInput.get(path)?.join(" "),
    rest: (section) => bySection.get(section) ?? [],
    placed,
  };
}

export function sentence(text: string): string {
  const t = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}
