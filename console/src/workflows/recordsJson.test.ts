import { describe, expect, it } from "vitest";
import { lineColumn, parseRecords } from "./recordsJson";

describe("parseRecords", () => {
  it("takes a list of field objects, or one object as a list of one", () => {
    expect(parseRecords('[{"Name": "Ada"}, {"Name": "Grace"}]', "create_records")).toEqual({
      ok: true,
      records: [{ Name: "Ada" }, { Name: "Grace" }],
    });
    expect(parseRecords('{"Name": "{{trigger.fields.Name}}"}', "create_records")).toEqual({
      ok: true,
      records: [{ Name: "{{trigger.fields.Name}}" }],
    });
  });

  it("says where the JSON breaks", () => {
    const result = parseRecords('[\n  {"Name": "Ada",}\n]', "create_records");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatch(/^This is not valid JSON/);
      expect(result.error).toContain("line 2");
    }
  });

  it("refuses what is not a list of 1 to 10 objects", () => {
    expect(parseRecords("", "create_records")).toMatchObject({ ok: false, error: /Write the records as JSON/ });
    expect(parseRecords("[]", "create_records")).toMatchObject({
      ok: false,
      error: "List 1 to 10 records (this has 0).",
    });
    const eleven = JSON.stringify(Array.from({ length: 11 }, () => ({ Name: "x" })));
    expect(parseRecords(eleven, "create_records")).toMatchObject({ ok: false, error: /this has 11/ });
    expect(parseRecords('[{"Name": "a"}, "b"]', "create_records")).toMatchObject({
      ok: false,
      error: /^Record 2 must be a JSON object/,
    });
  });

  it("wants an id and fields for each update", () => {
    expect(parseRecords('[{"id": "{{trigger.record_id}}", "fields": {"Done": true}}]', "update_records").ok).toBe(true);
    expect(parseRecords('[{"Done": true}]', "update_records")).toMatchObject({
      ok: false,
      error: 'Record 1 must be {"id": "rec…", "fields": {…}}.',
    });
  });
});

describe("lineColumn", () => {
  it("counts lines and columns from 1", () => {
    expect(lineColumn("ab\ncd", 0)).toBe("line 1, column 1");
    expect(lineColumn("ab\ncd", 4)).toBe("line 2, column 2");
  });
});
