import { describe, expect, it } from "vitest";
import { definitionYaml, readDefinition, STARTERS } from "./document";

describe("readDefinition", () => {
  it("reads every starter and writes it back the same", () => {
    for (const [kind, text] of Object.entries(STARTERS)) {
      const { definition, error } = readDefinition(text);
      expect(error).toBeNull();
      expect(definition?.kind).toBe(kind);
      expect(readDefinition(definitionYaml(definition!)).definition).toEqual(definition);
    }
  });

  it("says what is missing, and where the YAML breaks", () => {
    expect(readDefinition("kind: clv").error?.message).toMatch(/key/);
    expect(readDefinition("key: x").error?.message).toMatch(/kind/);
    expect(readDefinition("- a\n- b").error?.message).toMatch(/mapping/);
    expect(readDefinition("key: x\nkind: [clv").error?.line).toBeGreaterThan(0);
  });
});
