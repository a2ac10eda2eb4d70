// How a cell's value is shown, by field type, as Airtable shows it. Pure functions so
// that they are tested without a browser; CellView turns them into elements.
import type { Field } from "../api/tables";

export type CellDisplay =
  | { kind: "empty" }
  | { kind: "text"; text: string; align?: "end" }
  | { kind: "longText"; text: string }
  | { kind: "checkbox"; checked: boolean }
  | { kind: "chips"; chips: Chip[] }
  | { kind: "link"; text: string; href: string }
  | { kind: "rating"; value: number; max: number };

export interface Chip {
  name: string;
  color: string;
}

// Airtable's select colors by base name; an unknown or missing color falls back by hash.
const CHIP_COLORS = ["blue", "cyan", "teal", "green", "yellow", "orange", "red", "pink", "purple", "gray"];

export function chipColor(name: string, color?: unknown): string {
  if (typeof color === "string") {
    const base = CHIP_COLORS.find((c) => color.startsWith(c));
    if (base) return base;
  }
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return CHIP_COLORS[hash % CHIP_COLORS.length];
}

function choiceColor(field: Field, name: string): string {
  const choices = (field.options?.choices as { name?: string; color?: string }[] | undefined) ?? [];
  return chipColor(name, choices.find((c) => c.name === name)?.color);
}

function precision(field: Field, fallback: number): number {
  const p = field.options?.precision;
  return typeof p === "number" && p >= 0 && p <= 8 ? p : fallback;
}

export function formatNumber(value: number, digits: number): string {
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** An ISO date (YYYY-MM-DD, or the date part of a dateTime) in Airtable's date formats. */
export function formatDate(iso: string, format: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!match) return iso;
  const [, y, m, d] = match;
  const month = Number(m);
  const day = Number(d);
  switch (format) {
    case "iso":
      return `${y}-${m}-${d}`;
    case "european":
      return `${day}/${month}/${y}`;
    case "friendly":
      return `${MONTHS[month - 1]} ${day}, ${y}`;
    default:
      return `${month}/${day}/${y}`;
  }
}

export function formatTime(iso: string, format: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const h = date.getUTCHours();
  const m = String(date.getUTCMinutes()).padStart(2, "0");
  if (format === "24hour") return `${String(h).padStart(2, "0")}:${m}`;
  return `${h % 12 === 0 ? 12 : h % 12}:${m}${h < 12 ? "am" : "pm"}`;
}

function optionName(field: Field, key: string, fallback: string): string {
  const option = field.options?.[key] as { name?: string } | undefined;
  return option?.name ?? fallback;
}

export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${h}:${String(m).padStart(2, "0")}`;
}

export function cellDisplay(field: Field, value: unknown): CellDisplay {
  if (field.type === "checkbox") return { kind: "checkbox", checked: value === true };
  if (value === undefined || value === null || value === "") return { kind: "empty" };
  switch (field.type) {
    case "number":
      return typeof value === "number"
        ? { kind: "text", text: formatNumber(value, precision(field, 0)), align: "end" }
        : text(value);
    case "currency": {
      if (typeof value !== "number") return text(value);
      const symbol = typeof field.options?.symbol === "string" ? field.options.symbol : "$";
      const sign = value < 0 ? "-" : "";
      return {
        kind: "text",
        text: `${sign}${symbol}${formatNumber(Math.abs(value), precision(field, 2))}`,
        align: "end",
      };
    }
    case "percent":
      return typeof value === "number"
        ? { kind: "text", text: `${formatNumber(value * 100, precision(field, 0))}%`, align: "end" }
        : text(value);
    case "duration":
      return typeof value === "number" ? { kind: "text", text: formatDuration(value), align: "end" } : text(value);
    case "rating": {
      const max = typeof field.options?.max === "number" ? field.options.max : 5;
      return { kind: "rating", value: Number(value), max };
    }
    case "date":
      return { kind: "text", text: formatDate(String(value), optionName(field, "dateFormat", "local")) };
    case "dateTime": {
      const iso = String(value);
      const date = formatDate(iso, optionName(field, "dateFormat", "local"));
      const time = formatTime(iso, optionName(field, "timeFormat", "12hour"));
      return { kind: "text", text: time ? `${date} ${time}` : date };
    }
    case "singleSelect":
      return { kind: "chips", chips: [{ name: String(value), color: choiceColor(field, String(value)) }] };
    case "multipleSelects": {
      const names = Array.isArray(value) ? value.map(String) : [String(value)];
      return { kind: "chips", chips: names.map((name) => ({ name, color: choiceColor(field, name) })) };
    }
    case "multilineText":
    case "richText":
      return { kind: "longText", text: String(value) };
    case "email":
      return { kind: "link", text: String(value), href: `mailto:${String(value)}` };
    case "url": {
      const href = String(value);
      return /^https?:\/\//i.test(href) ? { kind: "link", text: href, href } : text(value);
    }
    case "phoneNumber":
      return { kind: "link", text: String(value), href: `tel:${String(value).replace(/[^\d+]/g, "")}` };
    default:
      return text(value);
  }
}

function text(value: unknown): CellDisplay {
  return { kind: "text", text: typeof value === "object" ? JSON.stringify(value) : String(value) };
}

/** The text an editor starts with, and the value it saves, for a field type. */
export function editText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

export function parseEdit(field: Field, text: string): unknown {
  const trimmed = text.trim();
  switch (field.type) {
    case "checkbox":
      return text === "true";
    case "number":
    case "currency":
    case "percent":
    case "duration":
    case "rating": {
      if (trimmed === "") return null;
      const n = Number(trimmed.replace(/[,$%]/g, ""));
      // Not a number: sent as typed, so the API's error names the field.
      return Number.isNaN(n) ? trimmed : n;
    }
    case "multipleSelects":
      return trimmed === ""
        ? []
        : trimmed
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean);
    default:
      return trimmed === "" ? null : text;
  }
}
