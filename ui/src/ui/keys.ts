/** A key as Baton accepts it for journeys, segments and templates
 * (`^[a-z0-9][a-z0-9_-]{0,99}$`), made from a name. */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[-_]+|-+$/g, "")
    .replace(/-{2,}/g, "-")
    .slice(0, 100)
    .replace(/-+$/, "");
}

/** What a kind of key allows, how to say it, and the key a name suggests. */
export type KeyRule = { pattern: RegExp; hint: string; fromName: (name: string) => string };

export const KEY_RULE: KeyRule = {
  pattern: /^[a-z0-9][a-z0-9_-]{0,99}$/,
  hint: "Use lower-case letters, digits, - and _, starting with a letter or digit.",
  fromName: slugify,
};
