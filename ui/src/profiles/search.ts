import type { ProfileSearch } from "./api";

/** `plan=pro`, `address.city = Budapest`: a trait name without spaces, quotes, commas or
 * braces, then `=` and a value. An anonymous id such as `abc==` is not one: its "value"
 * would start with `=`. */
const TRAIT_SEARCH = /^([^\s"\\,{}=]+)\s*=\s*([^=].*)$/;

/** What the search box asks for: one trait's value, or text (an identifier or profile id). */
export function parseSearch(text: string): ProfileSearch {
  const typed = text.trim();
  const trait = TRAIT_SEARCH.exec(typed);
  if (trait?.[1] && trait[2] && !trait[1].split(".").includes("")) {
    return { trait: trait[1], value: trait[2].trim() };
  }
  return { q: typed };
}

export function describeSearch(search: ProfileSearch): string {
  if ("trait" in search) return `Profiles whose ${search.trait} is “${search.value}”`;
  return search.q ? `Profiles matching “${search.q}”` : "All profiles";
}
