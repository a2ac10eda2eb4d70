// Decoding of the API's errors: every error the gateway or a service returns is a JSON
// google.rpc.Status ({code, message, details}); BadRequest details name the fields.

export interface FieldViolation {
  field: string;
  description: string;
}

const CODE_NAMES: Record<number, string> = {
  1: "CANCELLED",
  2: "UNKNOWN",
  3: "INVALID_ARGUMENT",
  4: "DEADLINE_EXCEEDED",
  5: "NOT_FOUND",
  6: "ALREADY_EXISTS",
  7: "PERMISSION_DENIED",
  8: "RESOURCE_EXHAUSTED",
  9: "FAILED_PRECONDITION",
  10: "ABORTED",
  11: "OUT_OF_RANGE",
  12: "UNIMPLEMENTED",
  13: "INTERNAL",
  14: "UNAVAILABLE",
  16: "UNAUTHENTICATED",
};

export class ApiError extends Error {
  constructor(
    message: string,
    readonly httpStatus: number,
    readonly code: number,
    readonly violations: FieldViolation[] = [],
    readonly reason = "",
  ) {
    super(message);
    this.name = "ApiError";
  }

  get codeName(): string {
    return CODE_NAMES[this.code] ?? `code ${this.code}`;
  }

  /** The first violation that belongs to a form input named `name`. */
  fieldError(name: string): string | undefined {
    return this.violations.find((v) => violationMatches(v.field, name))?.description;
  }
}

/** True when a violation's field path (e.g. "user.role", "sort[0]") is about input `name`. */
export function violationMatches(path: string, name: string): boolean {
  if (path === name) return true;
  const last = path.split(".").pop() ?? path;
  return last === name || last.replace(/\[\d+\]$/, "") === name || path.startsWith(`${name}[`);
}

/** Violations that no input of the form shows (so the page shows them in its banner). */
export function unplacedViolations(error: ApiError, names: string[]): FieldViolation[] {
  return error.violations.filter((v) => !names.some((n) => violationMatches(v.field, n)));
}

interface StatusDetail {
  "@type"?: string;
  field_violations?: { field?: string; description?: string }[];
  fieldViolations?: { field?: string; description?: string }[];
  reason?: string;
}

/** An ApiError from an HTTP status and whatever body came with it (JSON Status or not). */
export function decodeError(httpStatus: number, body: unknown): ApiError {
  if (body && typeof body === "object" && "message" in body) {
    const status = body as { code?: number; message?: string; details?: StatusDetail[] };
    const details = Array.isArray(status.details) ? status.details : [];
    const violations: FieldViolation[] = [];
    let reason = "";
    for (const detail of details) {
      const type = detail["@type"] ?? "";
      if (type.endsWith("google.rpc.BadRequest")) {
        for (const v of detail.field_violations ?? detail.fieldViolations ?? []) {
          violations.push({ field: v.field ?? "", description: v.description ?? "" });
        }
      } else if (type.endsWith("google.rpc.ErrorInfo")) {
        reason = detail.reason ?? "";
      }
    }
    const code = typeof status.code === "number" ? status.code : codeFromHttp(httpStatus);
    return new ApiError(status.message || fallbackMessage(httpStatus), httpStatus, code, violations, reason);
  }
  const text = typeof body === "string" && body.trim() ? body.trim() : fallbackMessage(httpStatus);
  return new ApiError(text, httpStatus, codeFromHttp(httpStatus));
}

/** The error of a request that never got an answer (network down, gateway gone). */
export function networkError(cause: unknown): ApiError {
  const detail = cause instanceof Error ? `: ${cause.message}` : "";
  return new ApiError(`The server could not be reached${detail}. Check your connection and retry.`, 0, 14);
}

function codeFromHttp(status: number): number {
  const map: Record<number, number> = {
    400: 3,
    401: 16,
    403: 7,
    404: 5,
    409: 6,
    412: 9,
    429: 8,
    499: 1,
    500: 13,
    501: 12,
    503: 14,
    504: 4,
  };
  return map[status] ?? 2;
}

function fallbackMessage(status: number): string {
  return status >= 500 ? `The server failed (HTTP ${status}); retry later.` : `The request failed (HTTP ${status}).`;
}

/** The text to show for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
