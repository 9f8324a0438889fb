import type { Comparison, Op, Scalar, Value } from "./condition";

/** A value typed into the builder, read as YAML reads a plain scalar: numbers and
 * true/false are themselves, anything else (or anything in quotes) is text. Baton never
 * mixes types (`equals 5` does not hold for "5"), so the difference matters. */
export function parseScalar(text: string): Scalar {
  const trimmed = text.trim();
  if (/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) return Number(trimmed);
  if (trimmed === "true" || trimmed === "false") return trimmed === "true";
  const quoted = /^"(.*)"$|^'(.*)'$/.exec(trimmed);
  if (quoted) return quoted[1] ?? quoted[2] ?? "";
  return text;
}

/** How a scalar is typed back: text that would read as something else is quoted. */
export function scalarText(value: Scalar): string {
  if (typeof value !== "string") return String(value);
  return parseScalar(value) === value ? value : `"${value}"`;
}

export function listText(value: Value | undefined): string {
  return Array.isArray(value) ? value.map(scalarText).join(", ") : "";
}

export function parseList(text: string): Scalar[] {
  return text
    .split(",")
    .filter((part) => part.trim() !== "")
    .map((part) => parseScalar(part.trim()));
}

const NO_VALUE: readonly Op[] = ["exists", "not_exists"];

/** The comparison with `op`, keeping what of its value still fits and filling in an
 * example where nothing does, so the builder never holds a value the op refuses. */
export function withOp<C extends Comparison>(comparison: C, op: Op): C {
  const { value } = comparison;
  const rest = { ...comparison, op };
  delete rest.value;
  if (NO_VALUE.includes(op)) return rest;
  const first = Array.isArray(value) ? value[0] : value;
  const number = typeof first === "number" ? first : 0;
  switch (op) {
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      return { ...rest, value: number };
    case "between":
      return { ...rest, value: Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === "number") ? value : [number, number + 1] };
    case "in":
      return { ...rest, value: Array.isArray(value) ? value : first === undefined || first === null || first === "" ? [] : [first] };
    case "before":
    case "after":
      return { ...rest, value: typeof first === "string" && /^\d{4}-\d{2}-\d{2}/.test(first) ? first : "2026-01-01" };
    case "within_last":
      return { ...rest, value: typeof first === "string" && /^\d+[smhdw]$/.test(first) ? first : "30d" };
    case "contains":
    case "starts_with":
      return { ...rest, value: typeof first === "string" ? first : first === undefined || first === null ? "" : String(first) };
    default:
      return { ...rest, value: first ?? "" };
  }
}

export const OP_LABELS: Record<Op, string> = {
  equals: "equals",
  not_equals: "does not equal",
  in: "is one of",
  contains: "contains",
  starts_with: "starts with",
  exists: "is set",
  not_exists: "is not set",
  gt: "is greater than",
  gte: "is at least",
  lt: "is less than",
  lte: "is at most",
  between: "is between",
  before: "is before",
  after: "is after",
  within_last: "is within the last",
};
