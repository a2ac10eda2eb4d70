import { describe, expect, it } from "vitest";
import { decodeError } from "../api/errors";
import { isModelMissing } from "./modelMissing";

describe("isModelMissing", () => {
  it("knows the llm service's refusal when no provider is set", () => {
    const refusal = decodeError(400, {
      code: 9,
      message: "no model provider is configured: set TABLEMESH_LLM_PROVIDER",
      details: [
        { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "LLM_NOT_CONFIGURED", domain: "tablemesh.dev" },
      ],
    });
    expect(isModelMissing(refusal)).toBe(true);
    expect(isModelMissing(decodeError(400, { code: 9, message: "budget", details: [] }))).toBe(false);
    expect(isModelMissing(new Error("x"))).toBe(false);
  });
});
