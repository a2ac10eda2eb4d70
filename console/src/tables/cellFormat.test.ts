import { describe, expect, it } from "vitest";
import type { Field } from "../api/tables";
import { cellDisplay, chipColor, editText, formatDate, parseEdit } from "./cellFormat";

const field = (type: string, options: Record<string, unknown> = {}): Field => ({
  id: "fld1",
  name: "F",
  type,
  options,
});

describe("cellDisplay", () => {
  it("shows a checkbox, checked or not, even when the value is missing", () => {
    expect(cellDisplay(field("checkbox"), true)).toEqual({ kind: "checkbox", checked: true });
    expect(cellDisplay(field("checkbox"), undefined)).toEqual({ kind: "checkbox", checked: false });
  });

  it("shows select values as chips in their choice's color", () => {
    const status = field("singleSelect", { choices: [{ name: "Done", color: "greenLight2" }, { name: "Open" }] });
    expect(cellDisplay(status, "Done")).toEqual({ kind: "chips", chips: [{ name: "Done", color: "green" }] });
    const tags = field("multipleSelects", {
      choices: [
        { name: "a", color: "redBright" },
        { name: "b", color: "blueDark1" },
      ],
    });
    expect(cellDisplay(tags, ["a", "b"])).toEqual({
      kind: "chips",
      chips: [
        { name: "a", color: "red" },
        { name: "b", color: "blue" },
      ],
    });
    expect(chipColor("x")).toBe(chipColor("x"));
  });

  it("formats numbers, currency and percent with their precision, aligned right", () => {
    expect(cellDisplay(field("number", { precision: 1 }), 1234.56)).toEqual({
      kind: "text",
      text: "1,234.6",
      align: "end",
    });
    expect(cellDisplay(field("number"), 12)).toEqual({ kind: "text", text: "12", align: "end" });
    expect(cellDisplay(field("currency", { symbol: "€", precision: 2 }), -5)).toEqual({
      kind: "text",
      text: "-€5.00",
      align: "end",
    });
    expect(cellDisplay(field("percent", { precision: 0 }), 0.5)).toEqual({ kind: "text", text: "50%", align: "end" });
    expect(cellDisplay(field("duration"), 5400)).toEqual({ kind: "text", text: "1:30", align: "end" });
  });

  it("formats dates in Airtable's formats and dateTimes with the time", () => {
    expect(cellDisplay(field("date"), "2024-03-05")).toEqual({ kind: "text", text: "3/5/2024" });
    expect(cellDisplay(field("date", { dateFormat: { name: "iso" } }), "2024-03-05")).toEqual({
      kind: "text",
      text: "2024-03-05",
    });
    expect(formatDate("2024-03-05", "european")).toBe("5/3/2024");
    expect(formatDate("2024-03-05", "friendly")).toBe("March 5, 2024");
    expect(cellDisplay(field("dateTime"), "2024-03-05T14:07:00.000Z")).toEqual({
      kind: "text",
      text: "3/5/2024 2:07pm",
    });
    const h24 = field("dateTime", { timeFormat: { name: "24hour" } });
    expect(cellDisplay(h24, "2024-03-05T09:30:00Z")).toEqual({ kind: "text", text: "3/5/2024 09:30" });
  });

  it("shows long text clamped, links as links, ratings as stars", () => {
    expect(cellDisplay(field("multilineText"), "a\nb")).toEqual({ kind: "longText", text: "a\nb" });
    expect(cellDisplay(field("email"), "a@b.c")).toEqual({ kind: "link", text: "a@b.c", href: "mailto:a@b.c" });
    expect(cellDisplay(field("url"), "https://x.y")).toEqual({
      kind: "link",
      text: "https://x.y",
      href: "https://x.y",
    });
    expect(cellDisplay(field("url"), "javascript:alert(1)")).toEqual({ kind: "text", text: "javascript:alert(1)" });
    expect(cellDisplay(field("rating", { max: 5 }), 3)).toEqual({ kind: "rating", value: 3, max: 5 });
  });

  it("leaves an empty value empty", () => {
    expect(cellDisplay(field("singleLineText"), undefined)).toEqual({ kind: "empty" });
    expect(cellDisplay(field("number"), null)).toEqual({ kind: "empty" });
  });
});

describe("editing", () => {
  it("turns typed text into the field type's value", () => {
    expect(parseEdit(field("number"), "1,250.5")).toBe(1250.5);
    expect(parseEdit(field("number"), "")).toBeNull();
    expect(parseEdit(field("number"), "lots")).toBe("lots");
    expect(parseEdit(field("multipleSelects"), "a, b,")).toEqual(["a", "b"]);
    expect(parseEdit(field("checkbox"), "true")).toBe(true);
    expect(parseEdit(field("singleLineText"), "  x ")).toBe("  x ");
    expect(editText(["a", "b"])).toBe("a, b");
    expect(editText(undefined)).toBe("");
  });
});
