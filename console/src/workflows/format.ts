// How workflows and their runs read in a list: a trigger in words, a run's status and
// how long it took.
import type { Execution, RecordChange, StepRun, Trigger } from "../api/workflows";

const CHANGE_WORDS: Record<RecordChange, string> = {
  RECORD_CHANGE_CREATED: "created",
  RECORD_CHANGE_UPDATED: "updated",
  RECORD_CHANGE_MATCHED: "matching",
};

/** "Manual", "Every 0 9 * * 1-5 (Europe/Paris)", "Records created or updated in Leads where {Score} > 5". */
export function triggerSummary(trigger: Trigger | undefined, tableName?: (tableId: string) => string | undefined) {
  if (!trigger) return "No trigger";
  if (trigger.manual) return "Manual";
  if (trigger.schedule) {
    const zone = trigger.schedule.time_zone || "UTC";
    return `Schedule ${trigger.schedule.cron} (${zone})`;
  }
  if (trigger.file_uploaded) {
    const f = trigger.file_uploaded;
    const kinds = [...(f.extensions ?? []).map((e) => `.${e}`), ...(f.content_types ?? [])];
    const size = Number(f.max_size_bytes ?? 0);
    return `File uploaded${kinds.length ? `: ${kinds.join(", ")}` : ""}${size > 0 ? ` up to ${bytes(size)}` : ""}`;
  }
  if (trigger.record) {
    const r = trigger.record;
    const changes = (r.changes ?? []).map((c) => CHANGE_WORDS[c] ?? c);
    const table = tableName?.(r.table_id) ?? r.table_id;
    const words = changes.length ? joinOr(changes) : "changed";
    const where = r.formula ? ` where ${r.formula}` : "";
    return `Records ${words} in ${table}${where}`;
  }
  return "No trigger";
}

function joinOr(words: string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}

export function bytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

/** EXECUTION_STATUS_SUCCEEDED -> "succeeded". */
export function statusWord(status: string | undefined): string {
  return (status ?? "").replace(/^EXECUTION_STATUS_/, "").toLowerCase() || "unknown";
}

/** How often a page looks again at runs that have not ended. */
export const POLL_MS = 1000;

/** A run that has not ended yet (its page keeps looking). */
export function isActive(execution: Pick<Execution, "status">): boolean {
  return ["queued", "running", "waiting"].includes(statusWord(execution.status));
}

/** A duration for people: "850 ms", "4.2 s", "3 min 5 s". */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

/** How long a run took: from its start to its end; "—" while it runs. */
export function executionDuration(execution: Pick<Execution, "create_time" | "end_time">): string {
  if (!execution.create_time || !execution.end_time) return "—";
  return duration(Date.parse(execution.end_time) - Date.parse(execution.create_time));
}

/** " · 2 attempts · 1.2 s": attempts once one was made, the duration once it has ended. */
export function stepFacts(step: StepRun): string {
  const facts: string[] = [];
  const attempts = step.attempts ?? 0;
  if (attempts > 0) facts.push(`${attempts} ${attempts === 1 ? "attempt" : "attempts"}`);
  if (step.end_time && step.status !== "skipped" && step.duration_ms !== undefined)
    facts.push(duration(step.duration_ms));
  return facts.map((f) => ` · ${f}`).join("");
}
