import { describe, expect, it } from "vitest";
import { sentence } from "./sentence";

describe("sentence", () => {
  it("capitalises and ends with a stop", () => {
    expect(sentence("this link is not valid: it was used already")).toBe("This link is not valid: it was used already.");
  });

  it("keeps an ending stop or question", () => {
    expect(sentence("Done.")).toBe("Done.");
    expect(sentence("why?")).toBe("Why?");
  });

  it("leaves nothing as nothing", () => {
    expect(sentence("  ")).toBe("");
  });
});
