/** Pages a signed-out person uses: never a place to land after signing in. */
const SIGNED_OUT_PAGES = ["/login", "/forgot-password", "/reset-password", "/invite"];

/** Where to go after signing in: `next` when it is a page of this console (never another
 * site, never a sign-in page), else Home. */
export function landing(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return "/";
  const path = next.split(/[?#]/, 1)[0] ?? "";
  return SIGNED_OUT_PAGES.includes(path) ? "/" : next;
}
