import { parseYamlValue, valueToYaml, type YamlError } from "../journeys/definition";
import { isRecord, kindOf, ordered, tidy, tidyFilters, type Condition, type PropertyFilter, type Window } from "./condition";

/** A segment as written (docs/segments.md): what the builder edits and the API stores. */
export type SegmentDraft = { key: string; name: string; description?: string; condition: Condition };

export const COMPUTED_KINDS = ["count", "sum", "avg", "min", "max", "first", "last", "most_frequent", "distinct_count"] as const;
export type ComputedKind = (typeof COMPUTED_KINDS)[number];

/** A computed trait as written: a value kept on every profile from its events. */
export type ComputedDraft = {
  key: string;
  name: string;
  description?: string;
  kind: ComputedKind;
  event: string;
  property?: string;
  where?: PropertyFilter[];
  window?: Window;
};

/** The definition in the order the docs write it. */
export function tidySegment(draft: SegmentDraft): SegmentDraft {
  return ordered({ ...draft, condition: tidy(draft.condition) }, ["key", "name", "description", "condition"]);
}

export function tidyComputed(draft: ComputedDraft): ComputedDraft {
  const where = tidyFilters(draft.where);
  return ordered({ ...draft, ...(where ? { where } : {}) }, ["key", "name", "description", "kind", "event", "property", "where", "window"]);
}

export type Read<T> = { draft: T | null; error: YamlError | null };

export function toYaml(draft: SegmentDraft | ComputedDraft): string {
  return valueToYaml(draft);
}

/** The segment a YAML text writes, or why it is none. Deeper mistakes are the API's to
 * name, at their field, as the preview answers. */
export function readSegmentYaml(text: string): Read<SegmentDraft> {
  const read = readMapping(text);
  if (read.error) return { draft: null, error: read.error };
  const data = read.value;
  const named = namedIn(data);
  if (named) return { draft: null, error: named };
  if (kindOf(data.condition) === null) {
    return { draft: null, error: { message: "condition: write one, such as {trait: plan, op: equals, value: pro}" } };
  }
  return { draft: data as SegmentDraft, error: null };
}

export function readComputedYaml(text: string): Read<ComputedDraft> {
  const read = readMapping(text);
  if (read.error) return { draft: null, error: read.error };
  const data = read.value;
  const named = namedIn(data);
  if (named) return { draft: null, error: named };
  if (typeof data.kind !== "string" || !(COMPUTED_KINDS as readonly string[]).includes(data.kind)) {
    return { draft: null, error: { message: `kind: one of ${COMPUTED_KINDS.join(", ")}` } };
  }
  if (typeof data.event !== "string") return { draft: null, error: { message: "event: name the event it reads" } };
  return { draft: data as ComputedDraft, error: null };
}

function readMapping(text: string): { value: Record<string, unknown>; error: null } | { value: null; error: YamlError } {
  const { value, error } = parseYamlValue(text);
  if (error) return { value: null, error };
  if (!isRecord(value)) return { value: null, error: { message: "Write a mapping of fields such as key, name and condition", line: 1 } };
  return { value, error: null };
}

function namedIn(data: Record<string, unknown>): YamlError | null {
  if (typeof data.key !== "string" || data.key === "") return { message: "key: give it a key" };
  if (typeof data.name !== "string") return { message: "name: give it a name" };
  return null;
}
