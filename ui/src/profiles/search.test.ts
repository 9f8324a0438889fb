import { describe, expect, it } from "vitest";
import { describeSearch, parseSearch } from "./search";

describe("parseSearch", () => {
  it("reads trait=value as a trait search, nested names and spaces around = included", () => {
    expect(parseSearch("plan=pro")).toEqual({ trait: "plan", value: "pro" });
    expect(parseSearch("  address.city = Budapest ")).toEqual({ trait: "address.city", value: "Budapest" });
    expect(parseSearch("note=a=b")).toEqual({ trait: "note", value: "a=b" });
  });

  it("reads everything else as text to look up", () => {
    expect(parseSearch(" ann@example.com ")).toEqual({ q: "ann@example.com" });
    expect(parseSearch("prof_01hv")).toEqual({ q: "prof_01hv" });
    expect(parseSearch("abc==")).toEqual({ q: "abc==" });
    expect(parseSearch("plan=")).toEqual({ q: "plan=" });
    expect(parseSearch("first name=Ann")).toEqual({ q: "first name=Ann" });
    expect(parseSearch("a..b=c")).toEqual({ q: "a..b=c" });
    expect(parseSearch("")).toEqual({ q: "" });
  });

  it("says what is being searched", () => {
    expect(describeSearch({ trait: "plan", value: "pro" })).toBe("Profiles whose plan is “pro”");
    expect(describeSearch({ q: "" })).toBe("All profiles");
  });
});
