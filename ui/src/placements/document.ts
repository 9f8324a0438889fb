import { isRecord, parseYamlValue, valueToYaml, type YamlError } from "../journeys/definition";
import type { Definition, Kind, Placement } from "./api";

/** The definition a YAML text holds, or why it does not hold one: the API checks the rest
 * and names the field at fault. */
export function readDefinition(text: string): { definition: Definition | null; error: YamlError | null } {
  const { value, error } = parseYamlValue(text);
  if (error) return { definition: null, error };
  if (!isRecord(value)) return { definition: null, error: { message: "A placement is a mapping of fields, starting with key:, name: and kind:" } };
  if (typeof value.key !== "string" || !value.key) return { definition: null, error: { message: "Give the placement a key (key: hero)" } };
  return { definition: value as unknown as Definition, error: null };
}

/** The definition alone, as the YAML tab shows it: without the version and times the API adds. */
export function definitionOf(placement: Placement): Definition {
  const { version: _version, created_at: _created, updated_at: _updated, ...definition } = placement;
  return definition;
}

export const definitionYaml = (definition: Definition): string => valueToYaml(definition);

/** A new placement: a default for everyone, and one variant for a segment, to change. */
export function starter(key: string, name: string, kind: Kind): Definition {
  return {
    key,
    name,
    kind,
    holdout: 0,
    default: { title: "Free delivery this week", body: "On every order over €30.", cta_text: "Shop now", cta_url: "/shop" },
    variants: [
      {
        key: "vip",
        when: { segment: "vip" },
        content: { title: "Thank you for being with us", body: "Your VIP code: THANKYOU10", cta_text: "Use it", cta_url: "/shop?code=THANKYOU10" },
      },
    ],
  } as Definition;
}

/** A condition in a few words: `{segment: vip}` → "in segment vip". */
export function ruleSummary(when: unknown): string {
  if (when == null) return "Always";
  if (!isRecord(when)) return String(when);
  if (typeof when.segment === "string") return `In segment ${when.segment}`;
  if (Array.isArray(when.all)) return when.all.map(ruleSummary).join(" and ");
  if (Array.isArray(when.any)) return when.any.map(ruleSummary).join(" or ");
  if (when.not !== undefined) return `Not (${ruleSummary(when.not)})`;
  const subject = typeof when.trait === "string" ? when.trait : typeof when.computed === "string" ? when.computed : typeof when.has === "string" ? `has ${when.has}` : null;
  if (subject === null) return valueToYaml(when).trim();
  const op = typeof when.op === "string" ? ` ${OPS[when.op] ?? when.op}` : "";
  return `${subject}${op}${when.value === undefined ? "" : ` ${JSON.stringify(when.value)}`}`;
}

// The segments' operators (baton/segments/definitions.py) as a reader writes them.
const OPS: Record<string, string> = { equals: "=", not_equals: "≠", gt: ">", gte: "≥", lt: "<", lte: "≤", starts_with: "starts with", not_exists: "does not exist", within_last: "within the last" };

/** The lines a site adds to show its placements (docs/personalization.md). */
export function sdkSnippet(origin: string, keys: readonly string[]): string {
  const marks = keys.map((key) => `<div data-baton-placement="${key}"></div>`).join("\n");
  return `${marks}
<script src="${origin}/sdk/baton.js"></script>
<script>
  Baton.init({
    writeKey: "bw_...",
    host: "${origin}",
    userId: "u-1",
    userHash: "{{ user_hash }}",
    consent: false
  });
</script>`;
}
