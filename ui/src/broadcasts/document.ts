import { isRecord, parseYamlValue, valueToYaml, type YamlError } from "../journeys/definition";
import type { Definition } from "./api";

/** The definition a YAML text holds, or why it does not hold one: the API checks the rest
 * and names the field at fault. */
export function readDefinition(text: string): { definition: Definition | null; error: YamlError | null } {
  const { value, error } = parseYamlValue(text);
  if (error) return { definition: null, error };
  if (!isRecord(value)) return { definition: null, error: { message: "A broadcast is a mapping of fields, starting with key: and name:" } };
  if (typeof value.key !== "string" || !value.key) return { definition: null, error: { message: "Give the broadcast a key (key: december-news)" } };
  return { definition: value as unknown as Definition, error: null };
}

export const definitionYaml = (definition: Definition): string => valueToYaml(definition);
