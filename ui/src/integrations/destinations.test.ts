import { describe, expect, it } from "vitest";
import { parseYamlValue } from "../journeys/definition";
import { forwards, starter, STARTERS, target, type Kind, type Settings } from "./destinations";

describe("destinations", () => {
  it("says where each sends and what", () => {
    expect(target({ url: "https://hooks.example.com/in?x=1" })).toBe("hooks.example.com/in");
    expect(target({ url: "https://example.com/" })).toBe("example.com");
    expect(target({})).toBe("–");
    expect(forwards({ kind: "webhook", settings: { events: ["Order Completed"], segments: ["vip"] } })).toBe("events Order Completed; entries and exits of vip");
    expect(forwards({ kind: "crm", settings: { fields: { email: {}, plan: {} }, segment: "buyers" } })).toBe("2 contact fields for segment buyers");
    expect(forwards({ kind: "audience", settings: { segment: "vip", format: "google", schedule: "hourly" } })).toBe("Segment vip as a Google Customer Match file, hourly");
  });

  it("starts each kind from a definition of that kind", () => {
    for (const [kind, text] of Object.entries(STARTERS)) {
      const { value, error } = parseYamlValue(text);
      expect(error).toBeNull();
      expect((value as Settings).kind).toBe(kind as Kind);
    }
  });

  it("names a starter as typed, whatever its characters", () => {
    const name = 'Warehouse: "EU" # 2';
    const { value, error } = parseYamlValue(starter("crm", name));
    expect(error).toBeNull();
    expect(value).toMatchObject({ kind: "crm", name });
    expect(starter("audience", "")).toBe(STARTERS.audience);
  });
});
