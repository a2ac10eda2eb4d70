import { describe, expect, it } from "vitest";
import { parseInput } from "./runInput";

describe("parseInput", () => {
  it("takes nothing as an empty input, and a JSON object as it is", () => {
    expect(parseInput("  ")).toEqual({ ok: true, value: {} });
    expect(parseInput('{"Amount": 150}')).toEqual({ ok: true, value: { Amount: 150 } });
  });

  it("refuses what is not one JSON object", () => {
    expect(parseInput("[1]")).toEqual({ ok: false, error: 'The input must be a JSON object, like {"Amount": 150}.' });
    expect(parseInput("42")).toMatchObject({ ok: false });
    expect(parseInput("{Amount: 1}")).toMatchObject({ ok: false, error: /^This is not valid JSON/ });
  });
});
