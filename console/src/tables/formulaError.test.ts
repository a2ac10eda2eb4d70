import { describe, expect, it } from "vitest";
import { decodeError } from "../api/errors";
import { caretLine, formulaProblem } from "./formulaError";

function refused(description: string) {
  return decodeError(400, {
    code: 3,
    message: `filter_by_formula: ${description}`,
    details: [
      {
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        field_violations: [{ field: "filter_by_formula", description }],
      },
    ],
  });
}

describe("formulaProblem", () => {
  it("puts the caret under the 1-based position the API reports", () => {
    const formula = "AND({Done},";
    const problem = formulaProblem(
      refused("at position 12: expected a value, a field or a function, found the end of the formula"),
      formula,
    );
    expect(problem).toEqual({
      message: "expected a value, a field or a function, found the end of the formula",
      index: 11,
    });
    expect(caretLine(problem!.index!)).toBe("           ^");
    expect(caretLine(problem!.index!).length).toBe(formula.length + 1);
  });

  it("points at the first character", () => {
    expect(formulaProblem(refused("at position 1: expected a known function, found FOO()"), "FOO({Name})")?.index).toBe(
      0,
    );
  });

  it("keeps a message without a position, and ignores other errors", () => {
    expect(formulaProblem(refused("unknown field 'Status'"), "{Status}")).toEqual({
      message: "unknown field 'Status'",
      index: null,
    });
    expect(formulaProblem(decodeError(404, { code: 5, message: "no table" }), "x")).toBeNull();
    expect(formulaProblem(new Error("x"), "x")).toBeNull();
  });

  it("never puts the caret past the end", () => {
    expect(formulaProblem(refused("at position 99: oops"), "abc")?.index).toBe(3);
  });
});
