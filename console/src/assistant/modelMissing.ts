// The llm service's refusal when no model provider is configured (FAILED_PRECONDITION,
// reason LLM_NOT_CONFIGURED): the page explains it instead of showing a bare error.
import { ApiError } from "../api/errors";

export function isModelMissing(error: unknown): error is ApiError {
  return error instanceof ApiError && error.code === 9 && error.reason === "LLM_NOT_CONFIGURED";
}
