import { describe, expect, it } from "vitest";
import { definitionYaml, readDefinition, ruleSummary, sdkSnippet, starter } from "./document";

describe("placements as code", () => {
  it("reads back the starter as written", () => {
    const definition = starter("hero", "Hero", "banner");
    expect(readDefinition(definitionYaml(definition)).definition).toEqual(definition);
    expect(readDefinition("name: x").error?.message).toMatch(/key/);
    expect(readDefinition("- a").error?.message).toMatch(/mapping/);
  });

  it("says each rule in a few words", () => {
    expect(ruleSummary(undefined)).toBe("Always");
    expect(ruleSummary({ segment: "vip" })).toBe("In segment vip");
    expect(ruleSummary({ all: [{ segment: "vip" }, { computed: "predicted.churn", op: "gt", value: 0.7 }] })).toBe("In segment vip and predicted.churn > 0.7");
    expect(ruleSummary({ trait: "email", op: "exists" })).toBe("email exists");
    expect(ruleSummary({ not: { trait: "plan", op: "equals", value: "pro" } })).toBe('Not (plan = "pro")');
  });

  it("writes the snippet for the placements and this Baton", () => {
    const text = sdkSnippet("https://baton.example.com", ["hero", "popup"]);
    expect(text).toContain('<div data-baton-placement="hero"></div>\n<div data-baton-placement="popup"></div>');
    expect(text).toContain('<script src="https://baton.example.com/sdk/baton.js"></script>');
  });
});
