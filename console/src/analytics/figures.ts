// The dashboard's figures as rows to show: one row per figure, a column per period, the
// counts read from proto3 JSON (64-bit integers as strings, zeros left out).
import type { Count, Dashboard, PeriodFigures } from "../api/analytics";

export type Figure = keyof PeriodFigures;

export const FIGURES: { key: Figure; label: string }[] = [
  { key: "api_calls", label: "API calls" },
  { key: "records_created", label: "Records created" },
  { key: "chat_turns", label: "Chat turns" },
  { key: "input_tokens", label: "Input tokens" },
  { key: "output_tokens", label: "Output tokens" },
  { key: "cost_usd", label: "Cost" },
  { key: "active_users", label: "Active users" },
];

export function count(value: Count): number {
  const n = typeof value === "string" ? Number(value) : (value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

export function formatCost(usd: number | undefined): string {
  const value = usd ?? 0;
  if (value > 0 && value < 0.01) return `$${value.toFixed(4)}`;
  return `$${value.toFixed(2)}`;
}

export function formatFigure(key: Figure, value: Count): string {
  return key === "cost_usd" ? formatCost(count(value)) : count(value).toLocaleString("en-US");
}

export interface FigureRow {
  label: string;
  today: string;
  week: string;
  month: string;
}

/** One row per figure; a user's own dashboard has no "active users" row. */
export function figureRows(board: Dashboard): FigureRow[] {
  const shown = board.scope === "tenant" ? FIGURES : FIGURES.filter((f) => f.key !== "active_users");
  return shown.map(({ key, label }) => ({
    label,
    today: formatFigure(key, board.today?.[key]),
    week: formatFigure(key, board.last_7_days?.[key]),
    month: formatFigure(key, board.last_30_days?.[key]),
  }));
}
