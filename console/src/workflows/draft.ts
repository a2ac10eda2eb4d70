// The editor's state (every input as the person typed it) and the workflow the API gets
// from it. What the console can tell is wrong before sending (records that are not JSON, a
// delay that is not a number) comes back as violations with the API's own field paths, so
// the page shows both kinds the same way, beside their inputs.
import type { FieldViolation } from "../api/errors";
import type { RecordChange, Step, StepType, Trigger, Workflow } from "../api/workflows";
import { parseRecords } from "./recordsJson";

export type TriggerKind = "manual" | "schedule" | "file_uploaded" | "record";

export const STEP_TYPES: [StepType, string][] = [
  ["log", "Log a message"],
  ["create_records", "Create records"],
  ["update_records", "Update records"],
  ["notify", "Send a notification"],
  ["delay", "Wait"],
  ["condition", "Continue only if (condition)"],
];

export const RECORD_CHANGES: [RecordChange, string][] = [
  ["RECORD_CHANGE_CREATED", "A record is created"],
  ["RECORD_CHANGE_UPDATED", "A record is updated"],
  ["RECORD_CHANGE_MATCHED", "A record comes to match the formula"],
];

export interface StepDraft {
  /** A React key that stays with the step while it moves. */
  key: string;
  name: string;
  type: StepType;
  message: string;
  baseId: string;
  tableId: string;
  records: string;
  title: string;
  body: string;
  seconds: string;
  formula: string;
  continueOnError: boolean;
  timeoutSeconds: string;
  maxAttempts: string;
}

export interface TriggerDraft {
  kind: TriggerKind;
  cron: string;
  timeZone: string;
  catchUp: string;
  extensions: string;
  contentTypes: string;
  maxSizeBytes: string;
  baseId: string;
  tableId: string;
  changes: RecordChange[];
  formula: string;
}

export interface WorkflowDraft {
  name: string;
  description: string;
  enabled: boolean;
  overlapPolicy: string;
  trigger: TriggerDraft;
  steps: StepDraft[];
}

let keys = 0;

export function newStep(type: StepType = "log", name = ""): StepDraft {
  keys += 1;
  return {
    key: `step-${keys}`,
    name,
    type,
    message: "",
    baseId: "",
    tableId: "",
    records: "",
    title: "",
    body: "",
    seconds: "",
    formula: "",
    continueOnError: false,
    timeoutSeconds: "",
    maxAttempts: "",
  };
}

export function newDraft(): WorkflowDraft {
  return {
    name: "",
    description: "",
    enabled: true,
    overlapPolicy: "OVERLAP_POLICY_SKIP",
    trigger: {
      kind: "manual",
      cron: "",
      timeZone: "",
      catchUp: "CATCH_UP_POLICY_LATEST",
      extensions: "",
      contentTypes: "",
      maxSizeBytes: "",
      baseId: "",
      tableId: "",
      changes: ["RECORD_CHANGE_CREATED"],
      formula: "",
    },
    steps: [newStep("log", "Step 1")],
  };
}

const text = (value: unknown): string => (value === undefined || value === null ? "" : String(value));
const list = (value: string): string[] =>
  value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);

/** The editor's state for a workflow the API returned. */
export function fromWorkflow(wf: Workflow): WorkflowDraft {
  const draft = newDraft();
  const t = wf.trigger ?? {};
  const kind: TriggerKind = t.schedule
    ? "schedule"
    : t.file_uploaded
      ? "file_uploaded"
      : t.record
        ? "record"
        : "manual";
  return {
    name: wf.name ?? "",
    description: wf.description ?? "",
    enabled: wf.enabled ?? false,
    overlapPolicy: wf.overlap_policy || draft.overlapPolicy,
    trigger: {
      ...draft.trigger,
      kind,
      cron: t.schedule?.cron ?? "",
      timeZone: t.schedule?.time_zone ?? "",
      catchUp: t.schedule?.catch_up || draft.trigger.catchUp,
      extensions: (t.file_uploaded?.extensions ?? []).join(", "),
      contentTypes: (t.file_uploaded?.content_types ?? []).join(", "),
      maxSizeBytes: Number(t.file_uploaded?.max_size_bytes ?? 0) > 0 ? text(t.file_uploaded?.max_size_bytes) : "",
      baseId: t.record?.base_id ?? "",
      tableId: t.record?.table_id ?? "",
      changes: t.record?.changes ?? [],
      formula: t.record?.formula ?? "",
    },
    steps: (wf.steps ?? []).map(stepDraft),
  };
}

function stepDraft(step: Step): StepDraft {
  const c = step.config ?? {};
  const type = (STEP_TYPES.some(([t]) => t === step.type) ? step.type : "log") as StepType;
  return {
    ...newStep(type, step.name),
    message: text(c.message),
    baseId: text(c.base_id),
    tableId: text(c.table_id),
    records: c.records === undefined ? "" : JSON.stringify(c.records, null, 2),
    title: text(c.title),
    body: text(c.body),
    seconds: text(c.seconds),
    formula: text(c.formula),
    continueOnError: step.continue_on_error ?? false,
    timeoutSeconds: step.timeout_seconds ? String(step.timeout_seconds) : "",
    maxAttempts: step.max_attempts ? String(step.max_attempts) : "",
  };
}

export function toTrigger(t: TriggerDraft): Trigger {
  switch (t.kind) {
    case "manual":
      return { manual: {} };
    case "schedule":
      return {
        schedule: { cron: t.cron.trim(), time_zone: t.timeZone.trim(), catch_up: t.catchUp },
      };
    case "file_uploaded":
      return {
        file_uploaded: {
          extensions: list(t.extensions).map((e) => e.replace(/^\./, "").toLowerCase()),
          content_types: list(t.contentTypes),
          max_size_bytes: t.maxSizeBytes.trim() ? t.maxSizeBytes.trim() : "0",
        },
      };
    case "record":
      return {
        record: { base_id: t.baseId, table_id: t.tableId, changes: t.changes, formula: t.formula.trim() },
      };
  }
}

/** A whole number typed in an input, or undefined when empty (the API's default). */
function wholeNumber(value: string): number | undefined | null {
  if (!value.trim()) return undefined;
  const n = Number(value);
  return Number.isInteger(n) ? n : null;
}

export interface Built {
  workflow: Workflow;
  /** What is wrong before sending, with the API's field paths. */
  problems: FieldViolation[];
}

export function toWorkflow(draft: WorkflowDraft): Built {
  const problems: FieldViolation[] = [];
  const steps = draft.steps.map((s, i): Step => {
    const where = `workflow.steps[${i}]`;
    const step: Step = { name: s.name.trim(), type: s.type, config: stepConfig(s, where, problems) };
    if (s.continueOnError) step.continue_on_error = true;
    for (const [key, value] of [
      ["timeout_seconds", s.timeoutSeconds],
      ["max_attempts", s.maxAttempts],
    ] as const) {
      const n = wholeNumber(value);
      if (n === null) problems.push({ field: `${where}.${key}`, description: "must be a whole number" });
      else if (n !== undefined) step[key] = n;
    }
    return step;
  });
  const workflow: Workflow = {
    name: draft.name.trim(),
    description: draft.description.trim(),
    enabled: draft.enabled,
    overlap_policy: draft.overlapPolicy,
    trigger: toTrigger(draft.trigger),
    steps,
  };
  if (draft.trigger.kind === "file_uploaded" && wholeNumber(draft.trigger.maxSizeBytes) === null) {
    problems.push({ field: "workflow.trigger.file_uploaded.max_size_bytes", description: "must be a whole number" });
  }
  return { workflow, problems };
}

function stepConfig(s: StepDraft, where: string, problems: FieldViolation[]): Record<string, unknown> {
  switch (s.type) {
    case "log":
      return { message: s.message };
    case "notify":
      return { title: s.title, body: s.body };
    case "condition":
      return { formula: s.formula };
    case "delay": {
      const seconds = Number(s.seconds);
      if (!s.seconds.trim() || !Number.isFinite(seconds)) {
        problems.push({ field: `${where}.config.seconds`, description: "must be a number of seconds" });
        return {};
      }
      return { seconds };
    }
    case "create_records":
    case "update_records": {
      const parsed = parseRecords(s.records, s.type);
      if (!parsed.ok) problems.push({ field: `${where}.config.records`, description: parsed.error });
      return { base_id: s.baseId, table_id: s.tableId, records: parsed.ok ? parsed.records : [] };
    }
  }
}

/** The step list after moving step `from` by `by` (-1 up, +1 down); unchanged at an end. */
export function move<T>(items: T[], from: number, by: -1 | 1): T[] {
  const to = from + by;
  if (from < 0 || from >= items.length || to < 0 || to >= items.length) return items;
  const next = items.slice();
  [next[from], next[to]] = [next[to], next[from]];
  return next;
}
