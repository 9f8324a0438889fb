import { describe, expect, it } from "vitest";
import { formatDay, timeAgo } from "./dates";

describe("formatDay", () => {
  it("shows a UTC calendar day whatever the reader's zone", () => {
    expect(formatDay("2026-11-06")).toBe("Nov 6");
  });

  it("leaves what is not a date as it is", () => {
    expect(formatDay("soon")).toBe("soon");
  });
});

describe("timeAgo", () => {
  const now = Date.parse("2026-12-06T12:00:00Z");

  it("says how long ago, in the unit that fits", () => {
    expect(timeAgo("2026-12-06T11:59:50Z", now)).toBe("just now");
    expect(timeAgo("2026-12-06T11:55:00Z", now)).toBe("5 minutes ago");
    expect(timeAgo("2026-12-06T09:00:00Z", now)).toBe("3 hours ago");
    expect(timeAgo("2026-12-05T12:00:00Z", now)).toBe("yesterday");
  });

  it("has a dash for nothing", () => {
    expect(timeAgo(null, now)).toBe("–");
  });
});
