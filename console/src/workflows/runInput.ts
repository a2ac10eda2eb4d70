// A manual run's input: empty, or one JSON object.
import { lineColumn } from "./recordsJson";

export type InputParse = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

export function parseInput(text: string): InputParse {
  if (!text.trim()) return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    const where = position ? ` at ${lineColumn(text, Number(position[1]))}` : "";
    return { ok: false, error: `This is not valid JSON${where}.` };
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, error: 'The input must be a JSON object, like {"Amount": 150}.' };
  }
  return { ok: true, value: value as Record<string, unknown> };
}
