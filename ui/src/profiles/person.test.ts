import { describe, expect, it } from "vitest";
import { displayName, identifierCount, initials, isShared } from "./person";

const base = { identifiers: {} as Record<string, string[]>, traits: {} as Record<string, unknown> };

describe("displayName and initials", () => {
  it("prefer the name, then first and last name", () => {
    expect(displayName({ ...base, traits: { name: "Ann Lee", email: "a@x.io" } })).toBe("Ann Lee");
    const split = { ...base, traits: { firstName: "Ann", lastName: "Lee" } };
    expect(displayName(split)).toBe("Ann Lee");
    expect(initials(split)).toBe("AL");
    expect(initials({ ...base, traits: { name: "élodie" } })).toBe("É");
  });

  it("fall back to an e-mail, a phone, a user id, then an anonymous visitor", () => {
    expect(displayName({ ...base, identifiers: { email: ["b@x.io"] } })).toBe("b@x.io");
    expect(initials({ ...base, identifiers: { email: ["b@x.io"] } })).toBe("B");
    expect(displayName({ ...base, identifiers: { phone: ["+4420"] } })).toBe("+4420");
    expect(displayName({ ...base, identifiers: { user_id: ["u-1"], email: [] } })).toBe("u-1");
    expect(displayName(base)).toBe("Anonymous visitor");
    expect(initials(base)).toBe("?");
  });
});

describe("identifiers", () => {
  it("are counted across kinds and marked when shared", () => {
    const profile = { identifiers: { user_id: ["u"], email: ["a@x.io", "b@x.io"], phone: [] }, shared_identifiers: { email: ["b@x.io"] } };
    expect(identifierCount(profile)).toBe(3);
    expect(isShared(profile, "email", "b@x.io")).toBe(true);
    expect(isShared(profile, "email", "a@x.io")).toBe(false);
    expect(isShared(profile, "phone", "b@x.io")).toBe(false);
  });
});
