import { describe, expect, it } from "vitest";
import type { Template } from "../../templates/api";
import { templateOptions } from "./templateOptions";

const made = { created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z" };
const LOADED: Template[] = [
  { key: "cart", channel: "email", name: "Cart reminder", ...made },
  { key: "code", channel: "sms", ...made },
  { key: "receipt", channel: "email", ...made },
];

describe("templateOptions", () => {
  it("offers the loaded templates of the node's channel, named with their key", () => {
    expect(templateOptions(LOADED, "email", "cart", true)).toEqual([
      { value: "cart", label: "Cart reminder (cart)" },
      { value: "receipt", label: "receipt" },
    ]);
    expect(templateOptions(LOADED, "push", "", true)).toEqual([]);
  });

  it("keeps the node's template when it is not loaded, and says it is missing only once every page is", () => {
    expect(templateOptions(LOADED, "sms", "welcome", false)).toEqual([
      { value: "code", label: "code" },
      { value: "welcome", label: "welcome" },
    ]);
    expect(templateOptions(LOADED, "sms", "welcome", true)).toContainEqual({ value: "welcome", label: "welcome (not found)" });
    expect(templateOptions(LOADED, "email", "code", true)).toContainEqual({ value: "code", label: "code (not found)" });
  });
});
