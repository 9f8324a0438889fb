import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";
import { ApiError } from "./errors";

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

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** The body of a successful answer, or an ApiError carrying the API's message. */
export async function unwrap<T = unknown>(pending: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await pending;
  if (!response.ok) throw ApiError.from(response.status, error);
  return data as T;
}
