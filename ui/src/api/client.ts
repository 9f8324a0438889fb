import createClient, { type Middleware } from "openapi-fetch";
import { ApiError } from "./errors";
import type { paths } from "./schema";

/** The typed client of Baton's API. The session cookie travels by itself; a change
 * (any method but GET/HEAD/OPTIONS) must also carry the session's CSRF token. */
export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });

let csrfToken: string | null = null;

export function useCsrfToken(token: string | null): void {
  csrfToken = token;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

const csrf: Middleware = {
  onRequest({ request }) {
    if (csrfToken && !SAFE.has(request.method)) request.headers.set("X-CSRF-Token", csrfToken);
    return request;
  },
};
api.use(csrf);

/** What an openapi-fetch call resolves to. */
type Answer = { data?: unknown; error?: unknown; response: Response };

/** The body of a successful answer, as the shape the caller knows the route answers with
 * (the API's OpenAPI document does not describe its bodies), or an ApiError carrying the
 * API's message. */
export async function unwrap<T = unknown>(pending: Promise<Answer>): Promise<T> {
  const { data, error, response } = await pending;
  if (!response.ok) throw ApiError.from(response.status, error);
  return data as T;
}
