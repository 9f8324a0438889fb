import { sentence } from "../ui/text";

/** An answer of the API that was not a success, as `{"error": {code, message, field}}`
 * tells it; `field` names the part of the request at fault (`nodes.email.next`). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | null;
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, field: string | null, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
    this.details = details;
  }

  static from(status: number, body: unknown): ApiError {
    const error = (body as { error?: Record<string, unknown> } | undefined)?.error;
    if (error && typeof error.message === "string") {
      const { code, message, field, ...details } = error;
      return new ApiError(status, String(code ?? "error"), message, typeof field === "string" ? field : null, details);
    }
    const fallback = status >= 500 ? "Baton could not answer; try again in a moment." : `The request failed (HTTP ${status}).`;
    return new ApiError(status, "http_error", fallback, null);
  }
}

/** A message a person can read, as a sentence, for any error thrown while talking to the API
 * (whose messages start in lower case and end without a stop). */
export function readable(error: unknown): string {
  if (error instanceof TypeError) return "Baton cannot be reached. Check the connection and try again.";
  return sentence(error instanceof Error ? error.message : String(error));
}

/** The readable message of an API error about `field`, for that input to show; else undefined. */
export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiError && error.field === field ? readable(error) : undefined;
}

/** Whether the API answered that what was asked for does not exist. */
export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}
