import { describe, expect, it } from "vitest";
import { KEY_RULE, slugify } from "./keys";

describe("slugify", () => {
  it("makes a key Baton accepts from a name", () => {
    expect(slugify("Cart abandonment")).toBe("cart-abandonment");
    expect(slugify("  Été -- Promo!! 2026 ")).toBe("ete-promo-2026");
    expect(slugify("Welcome_series")).toBe("welcome_series");
    expect(KEY_RULE.pattern.test(slugify("x".repeat(300)))).toBe(true);
    expect(slugify("!!!")).toBe("");
  });
});
