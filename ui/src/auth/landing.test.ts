import { describe, expect, it } from "vitest";
import { landing } from "./landing";

describe("landing", () => {
  it("keeps a page of the console, with its query", () => {
    expect(landing("/journeys/cart?tab=yaml")).toBe("/journeys/cart?tab=yaml");
  });

  it("goes Home without a next page", () => {
    expect(landing(null)).toBe("/");
    expect(landing("")).toBe("/");
  });

  it("never leaves for another site", () => {
    expect(landing("https://evil.example/")).toBe("/");
    expect(landing("//evil.example/path")).toBe("/");
    expect(landing("/\\evil.example")).toBe("/");
    expect(landing("javascript:alert(1)")).toBe("/");
  });

  it("never lands on a signed-out page", () => {
    expect(landing("/login?next=/x")).toBe("/");
    expect(landing("/reset-password?token=abc")).toBe("/");
    expect(landing("/invite")).toBe("/");
  });
});
