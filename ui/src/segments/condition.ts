/** Segment conditions as docs/segments.md defines them, and the edits the builder makes to
 * them. The builder's state is the definition itself (plain JSON, as the API and YAML
 * hold it), so builder and YAML can never disagree. */

export type Scalar = string | number | boolean;
export type Value = Scalar | Scalar[] | null;

export const OPS = [
  "equals",
  "not_equals",
  "in",
  "contains",
  "starts_with",
  "exists",
  "not_exists",
  "gt",
  "gte",
  "lt",
  "lte",
  "between",
  "before",
  "after",
  "within_last",
] as const;
export type Op = (typeof OPS)[number];
export const NUMERIC_OPS: readonly Op[] = ["equals", "not_equals", "exists", "not_exists", "gt", "gte", "lt", "lte", "between"];
export const DATE_OPS: readonly Op[] = ["before", "after", "within_last", "exists", "not_exists"];
export const BUILTIN_COMPUTED = ["first_seen_at", "last_seen_at"] as const;

export type Comparison = { op: Op; value?: Value };
export type PropertyFilter = { property: string } & Comparison;
export type Window = { last: string } | { between: [string, string] } | { since_last: string };
export type Count = { at_least: number } | { at_most: number } | { exactly: number };
export type Step = { event: string; where?: PropertyFilter[] };

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | ({ trait: string } & Comparison)
  | ({ computed: string } & Comparison)
  | { event: string; where?: PropertyFilter[]; count?: Count; window?: Window }
  | ({ aggregate: Aggregate; event: string; property: string; where?: PropertyFilter[]; window?: Window } & Comparison)
  | { sequence: Step[]; within: string }
  | { has: "email" | "phone" }
  | { segment: string };

export type Aggregate = "sum" | "avg" | "min" | "max";
export type Kind = "all" | "any" | "not" | "trait" | "computed" | "event" | "aggregate" | "sequence" | "has" | "segment";

/** The kinds in the order Baton tells them apart: the first of these keys present names it. */
export const KINDS: readonly Kind[] = ["all", "any", "not", "aggregate", "sequence", "trait", "computed", "event", "has", "segment"];

export const KIND_LABELS: Record<Kind, string> = {
  all: "All of a group",
  any: "Any of a group",
  not: "Not",
  trait: "Profile trait",
  computed: "Computed trait",
  event: "Performed an event",
  aggregate: "Sum, average, min or max of a property",
  sequence: "Events in a sequence",
  has: "Has an e-mail or phone",
  segment: "In another segment",
};

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Which kind of condition the value is, as Baton reads it; null when it is none. */
export function kindOf(value: unknown): Kind | null {
  if (!isRecord(value)) return null;
  return KINDS.find((kind) => kind in value) ?? null;
}

/** A new condition of a kind, filled with the names the workspace uses where it has them. */
export function blank(kind: Kind, names: { trait?: string; event?: string } = {}): Condition {
  const event = names.event ?? "";
  switch (kind) {
    case "all":
      return { all: [blank("trait", names)] };
    case "any":
      return { any: [blank("trait", names)] };
    case "not":
      return { not: blank("trait", names) };
    case "trait":
      return { trait: names.trait ?? "", op: "equals", value: "" };
    case "computed":
      return { computed: "last_seen_at", op: "within_last", value: "30d" };
    case "event":
      return { event };
    case "aggregate":
      return { aggregate: "sum", event, property: "", op: "gt", value: 0 };
    case "sequence":
      return { sequence: [{ event }, { event: "" }], within: "1d" };
    case "has":
      return { has: "email" };
    case "segment":
      return { segment: "" };
  }
}

/** Where a condition sits in the tree: at each level, the index among its group's
 * conditions (0 below a `not`). */
export type Path = readonly number[];

/** The conditions directly inside one: a group's, a not's one; none for the others. */
export function childrenOf(condition: Condition): Condition[] {
  if ("all" in condition) return condition.all;
  if ("any" in condition) return condition.any;
  if ("not" in condition) return [condition.not];
  return [];
}

function withChildren(condition: Condition, children: Condition[]): Condition {
  if ("all" in condition) return { ...condition, all: children };
  if ("any" in condition) return { ...condition, any: children };
  if ("not" in condition && children[0] !== undefined) return { ...condition, not: children[0] };
  return condition;
}

export function conditionAt(root: Condition, path: Path): Condition | undefined {
  let found: Condition | undefined = root;
  for (const index of path) found = found === undefined ? undefined : childrenOf(found)[index];
  return found;
}

/** The tree with the condition at `path` replaced by what `change` makes of it. */
export function updateAt(root: Condition, path: Path, change: (condition: Condition) => Condition): Condition {
  const [index, ...rest] = path;
  if (index === undefined) return change(root);
  const children = childrenOf(root);
  const child = children[index];
  if (child === undefined) return root;
  return withChildren(
    root,
    children.map((each, i) => (i === index ? updateAt(child, rest, change) : each)),
  );
}

/** The tree without the condition at `path`. A group keeps at least one condition and a
 * `not` its one, so removing their last removes them too. */
export function removeAt(root: Condition, path: Path): Condition {
  if (path.length === 0) return root;
  const parentPath = path.slice(0, -1);
  const index = path[path.length - 1] ?? 0;
  const parent = conditionAt(root, parentPath);
  if (parent === undefined) return root;
  const left = childrenOf(parent).filter((_, i) => i !== index);
  if (left.length === 0) return parentPath.length === 0 ? root : removeAt(root, parentPath);
  return updateAt(root, parentPath, (found) => withChildren(found, left));
}

/** The tree with the condition at `path` swapped with its neighbour (`by` -1 or +1). */
export function moveAt(root: Condition, path: Path, by: -1 | 1): Condition {
  if (path.length === 0) return root;
  const index = path[path.length - 1] ?? 0;
  return updateAt(root, path.slice(0, -1), (parent) => {
    const children = [...childrenOf(parent)];
    const target = index + by;
    const [moved] = children.splice(index, 1);
    if (moved === undefined || target < 0 || target > children.length || !("all" in parent || "any" in parent)) return parent;
    children.splice(target, 0, moved);
    return withChildren(parent, children);
  });
}

/** The tree with `added` as the last condition of the group at `path`; any other
 * condition there becomes a group of it and `added`. */
export function addTo(root: Condition, path: Path, added: Condition): Condition {
  return updateAt(root, path, (found) => {
    if ("all" in found) return { ...found, all: [...found.all, added] };
    if ("any" in found) return { ...found, any: [...found.any, added] };
    return { all: [found, added] };
  });
}

/** `{not: X}` for X, X for `{not: X}`. */
export function negated(condition: Condition): Condition {
  return "not" in condition ? condition.not : { not: condition };
}

/** A group's conditions kept under the other quantifier: all ⇄ any. */
export function regrouped(condition: Condition, to: "all" | "any"): Condition {
  const children = childrenOf(condition);
  return to === "all" ? { all: children } : { any: children };
}

/** The builder path an API error field points into, e.g. `condition.all.1.window` → [1];
 * null when the field is not about the condition. */
export function pathOfField(field: string): Path | null {
  const parts = field.split(".");
  if (parts[0] !== "condition") return null;
  const path: number[] = [];
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i];
    if ((part === "all" || part === "any") && /^\d+$/.test(parts[i + 1] ?? "")) {
      path.push(Number(parts[i + 1]));
      i++;
    } else if (part === "not") {
      path.push(0);
    } else {
      break;
    }
  }
  return path;
}

export function samePath(a: Path, b: Path): boolean {
  return a.length === b.length && a.every((step, i) => step === b[i]);
}

const ORDER: Record<Kind, readonly string[]> = {
  all: ["all"],
  any: ["any"],
  not: ["not"],
  trait: ["trait", "op", "value"],
  computed: ["computed", "op", "value"],
  event: ["event", "where", "count", "window"],
  aggregate: ["aggregate", "event", "property", "where", "window", "op", "value"],
  sequence: ["sequence", "within"],
  has: ["has"],
  segment: ["segment"],
};
const FILTER_ORDER = ["property", "op", "value"];

/** The mapping with `keys` first, in that order, then any others as they were. */
export function ordered<T extends object>(value: T, keys: readonly string[]): T {
  const entries = Object.entries(value);
  const rank = (key: string) => (keys.includes(key) ? keys.indexOf(key) : keys.length);
  return Object.fromEntries(entries.sort(([a], [b]) => rank(a) - rank(b))) as T;
}

export function tidyFilters(filters: PropertyFilter[] | undefined): PropertyFilter[] | undefined {
  return filters?.map((filter) => ordered(filter, FILTER_ORDER));
}

/** The condition written as the docs write it, its naming key first (Baton stores a
 * definition's fields in its own order). */
export function tidy(condition: Condition): Condition {
  const kind = kindOf(condition);
  if (kind === null) return condition;
  let tidied: Condition = condition;
  if ("all" in condition) tidied = { all: condition.all.map(tidy) };
  else if ("any" in condition) tidied = { any: condition.any.map(tidy) };
  else if ("not" in condition) tidied = { not: tidy(condition.not) };
  else if ("sequence" in condition) tidied = { ...condition, sequence: condition.sequence.map((step) => ({ ...step, ...(step.where ? { where: tidyFilters(step.where) } : {}) })) };
  else if ("event" in condition && condition.where) tidied = { ...condition, where: tidyFilters(condition.where) };
  return ordered(tidied, ORDER[kind]);
}
