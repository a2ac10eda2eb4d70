import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { Field } from "../api/tables";
import { CellView } from "./CellView";

const field = (type: string, options: Record<string, unknown> = {}): Field => ({ id: "f", name: "F", type, options });
const html = (f: Field, value: unknown) => renderToStaticMarkup(<CellView field={f} value={value} />);

describe("CellView", () => {
  it("renders each field type as Airtable does", () => {
    expect(html(field("checkbox"), true)).toBe(
      '<span class="checkbox checked" role="img" aria-label="checked">✓</span>',
    );
    expect(html(field("singleSelect", { choices: [{ name: "Done", color: "greenBright" }] }), "Done")).toBe(
      '<span class="chips"><span class="chip chip-green">Done</span></span>',
    );
    expect(html(field("number", { precision: 2 }), 3)).toBe('<span class="num">3.00</span>');
    expect(html(field("multilineText"), "long\ntext")).toContain('class="long-text"');
    expect(html(field("url"), "https://example.com")).toContain('href="https://example.com"');
    expect(html(field("rating"), 2)).toContain('aria-label="2 of 5"');
    expect(html(field("singleLineText"), undefined)).toBe("");
  });
});
