import { describe, expect, it } from "vitest";
import { capitalised, sentence, spaced } from "./text";

describe("capitalised", () => {
  it("puts the first letter in capitals and leaves the rest", () => {
    expect(capitalised("retention")).toBe("Retention");
    expect(capitalised("set plan · add to visits")).toBe("Set plan · add to visits");
    expect(capitalised("")).toBe("");
  });
});

describe("spaced", () => {
  it("reads a snake_case name as words", () => {
    expect(spaced("discount_percent")).toBe("Discount percent");
  });
});

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
