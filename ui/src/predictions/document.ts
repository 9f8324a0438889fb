import { isRecord, parseYamlValue, valueToYaml, type YamlError } from "../journeys/definition";
import type { Definition, Kind } from "./api";

/** The definition a YAML text holds, or why it does not hold one: the API checks the
 * rest (each kind's fields) and names the field at fault. */
export function readDefinition(text: string): { definition: Definition | null; error: YamlError | null } {
  const { value, error } = parseYamlValue(text);
  if (error) return { definition: null, error };
  if (!isRecord(value)) return { definition: null, error: { message: "A definition is a mapping of fields, starting with key: and kind:" } };
  if (typeof value.key !== "string" || !value.key) return { definition: null, error: { message: "Give the prediction a key (key: churn-30d)" } };
  if (typeof value.kind !== "string") return { definition: null, error: { message: "Give its kind: classification, clv, recommendations or sentiment" } };
  return { definition: value as Definition, error: null };
}

export const definitionYaml = (definition: Definition): string => valueToYaml(definition);

/** A first definition of each kind, to change before saving. */
export const STARTERS: Record<Kind, string> = {
  classification: `key: churn-30d
name: Churn in 30 days
kind: classification
# Positive when no order comes within 30 days; or  event: {...}  or  trait: {name: Churn, positive: "Yes"}
label:
  no_event: {event: Order Completed, within: 30d}
features: {traits: "*", exclude: [], events: auto, computed: "*"}
schedule: weekly
`,
  clv: `key: lifetime-value
name: Lifetime value
kind: clv
event: Order Completed
revenue_property: revenue
time_unit: days
horizon: 365d
schedule: weekly
`,
  recommendations: `key: recommended
name: Recommended products
kind: recommendations
count: 5
interactions:
  - {event: Order Completed, item: "products[].product_id", weight: 3}
  - {event: Product Added, item: product_id, weight: 2}
  - {event: Product Viewed, item: product_id, weight: 1}
filters: {in_stock: true, not_bought: true}
schedule: weekly
`,
  sentiment: `key: ticket-mood
name: Mood of support tickets
kind: sentiment
event: Ticket Opened
text: body
schedule: daily
`,
};
