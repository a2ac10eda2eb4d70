// The records a create_records or update_records step writes, typed as JSON text: parsed
// here with a message that says what is wrong and where, before anything is sent.

export type RecordsParse = { ok: true; records: Record<string, unknown>[] } | { ok: false; error: string };

const MAX_RECORDS = 10;

/** "line L, column C" of a 0-based offset in text. */
export function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split("\n").length;
  const column = offset - (before.lastIndexOf("\n") + 1) + 1;
  return `line ${line}, column ${column}`;
}

/** JSON.parse's complaint, with the line and column when it names a position. */
function syntaxError(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message);
  // V8 says `Unexpected token '}', "..." is not valid JSON`, or names a position; keep the gist.
  const gist = message
    .replace(/ in JSON at position \d+.*$/, "")
    .replace(/, ".*" is not valid JSON$/s, "")
    .replace(/ \(line \d+ column \d+\)$/, "");
  const where = position ? ` at ${lineColumn(text, Number(position[1]))}` : "";
  return `This is not valid JSON${where}: ${gist}.`;
}

/**
 * A list of 1 to 10 records. For create_records each is an object of fields
 * ({"Name": "Ada"}); a single object is taken as a list of one. For update_records each
 * is {"id": "rec…", "fields": {…}}.
 */
export function parseRecords(text: string, kind: "create_records" | "update_records"): RecordsParse {
  if (!text.trim()) return { ok: false, error: "Write the records as JSON, for example " + example(kind) + "." };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: syntaxError(text, error) };
  }
  const list = Array.isArray(value) ? value : [value];
  if (list.length < 1 || list.length > MAX_RECORDS) {
    return { ok: false, error: `List 1 to ${MAX_RECORDS} records (this has ${list.length}).` };
  }
  for (const [i, record] of list.entries()) {
    if (!record || typeof record !== "object" || Array.isArray(record)) {
      return { ok: false, error: `Record ${i + 1} must be a JSON object, like ${example(kind)}.` };
    }
    if (kind === "update_records") {
      const r = record as Record<string, unknown>;
      const fields = r.fields;
      if (typeof r.id !== "string" || !r.id || !fields || typeof fields !== "object" || Array.isArray(fields)) {
        return { ok: false, error: `Record ${i + 1} must be {"id": "rec…", "fields": {…}}.` };
      }
    }
  }
  return { ok: true, records: list as Record<string, unknown>[] };
}

export function example(kind: "create_records" | "update_records"): string {
  return kind === "create_records"
    ? '[{"Name": "{{trigger.fields.Name}}"}]'
    : '[{"id": "{{trigger.record_id}}", "fields": {"Status": "Done"}}]';
}
