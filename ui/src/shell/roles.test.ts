import { describe, expect, it } from "vitest";
import { initials, roleLabel } from "./roles";

describe("initials", () => {
  it("takes the first and last names' first letters", () => {
    expect(initials("Mia van der Berg", "mia@example.com")).toBe("MB");
  });

  it("falls back to the e-mail's local part", () => {
    expect(initials(null, "jane.doe@example.com")).toBe("JD");
    expect(initials("", "owner@baton.example")).toBe("OW");
    expect(initials(null, null)).toBe("?");
  });
});

describe("roleLabel", () => {
  it("capitalises a role, and says when there is none", () => {
    expect(roleLabel("marketer")).toBe("Marketer");
    expect(roleLabel(null)).toBe("No role");
  });
});
