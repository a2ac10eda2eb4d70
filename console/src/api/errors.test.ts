import { describe, expect, it } from "vitest";
import { ApiError, decodeError, unplacedViolations, violationMatches } from "./errors";

const badRequest = {
  code: 3,
  message: "email: is not a valid email address; password: must be at least 8 characters",
  details: [
    {
      "@type": "type.googleapis.com/google.rpc.BadRequest",
      field_violations: [
        { field: "email", description: "is not a valid email address", reason: "" },
        { field: "password", description: "must be at least 8 characters", reason: "" },
      ],
    },
    { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "INVALID_ARGUMENT", domain: "tablemesh.dev" },
  ],
};

describe("decodeError", () => {
  it("reads a google.rpc.Status with field violations and the ErrorInfo reason", () => {
    const error = decodeError(400, badRequest);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.message).toBe(badRequest.message);
    expect(error.code).toBe(3);
    expect(error.codeName).toBe("INVALID_ARGUMENT");
    expect(error.reason).toBe("INVALID_ARGUMENT");
    expect(error.fieldError("password")).toBe("must be at least 8 characters");
    expect(error.fieldError("first_name")).toBeUndefined();
  });

  it("accepts lowerCamelCase detail fields", () => {
    const error = decodeError(400, {
      code: 3,
      message: "x",
      details: [
        {
          "@type": "type.googleapis.com/google.rpc.BadRequest",
          fieldViolations: [{ field: "name", description: "is required" }],
        },
      ],
    });
    expect(error.fieldError("name")).toBe("is required");
  });

  it("turns a body that is not a Status into a message with the HTTP status", () => {
    expect(decodeError(502, "upstream connect error").message).toBe("upstream connect error");
    const empty = decodeError(503, "");
    expect(empty.message).toMatch(/HTTP 503/);
    expect(empty.code).toBe(14);
    expect(decodeError(404, null).codeName).toBe("NOT_FOUND");
  });
});

describe("field mapping", () => {
  it("matches nested and indexed paths to an input's name", () => {
    expect(violationMatches("user.role", "role")).toBe(true);
    expect(violationMatches("sort[0]", "sort")).toBe(true);
    expect(violationMatches("records[0].fields", "fields")).toBe(true);
    expect(violationMatches("email", "password")).toBe(false);
    expect(violationMatches("first_name", "name")).toBe(false);
  });

  it("leaves the violations no input shows for the banner", () => {
    const error = decodeError(400, badRequest);
    expect(unplacedViolations(error, ["email"]).map((v) => v.field)).toEqual(["password"]);
    expect(unplacedViolations(error, ["email", "password"])).toEqual([]);
  });
});
