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

/** A message a person can read, for any error thrown while talking to the API. */
export function readable(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return "Baton cannot be reached. Check the connection and try again.";
  return error instanceof Error ? error.message : String(error);
}
