import { describe, expect, it } from "vitest";
import { formatCompact, formatCount, formatDay, formatInstant, formatRate, timeAgo } from "./format";

describe("numbers", () => {
  it("are grouped, shortened or shown as a share", () => {
    expect(formatCount(12345)).toBe("12,345");
    expect(formatCompact(12345)).toBe("12.3K");
    expect(formatRate(0.125)).toBe("12.5%");
  });

  it("have a dash for nothing", () => {
    expect(formatCount(null)).toBe("–");
    expect(formatRate(undefined)).toBe("–");
  });
});

describe("formatDay", () => {
  it("shows a UTC calendar day whatever the reader's zone", () => {
    expect(formatDay("2026-11-06")).toBe("Nov 6");
  });

  it("leaves what is not a date as it is", () => {
    expect(formatDay("soon")).toBe("soon");
  });
});

describe("formatInstant", () => {
  it("has a dash for nothing and leaves what is not an instant as it is", () => {
    expect(formatInstant(null)).toBe("–");
    expect(formatInstant("later")).toBe("later");
  });
});

describe("timeAgo", () => {
  const now = Date.parse("2026-12-06T12:00:00Z");

  it("says how long ago, in the unit that fits", () => {
    expect(timeAgo("2026-12-06T11:59:50Z", now)).toBe("just now");
    expect(timeAgo("2026-12-06T11:55:00Z", now)).toBe("5 minutes ago");
    expect(timeAgo("2026-12-06T09:00:00Z", now)).toBe("3 hours ago");
    expect(timeAgo("2026-12-05T12:00:00Z", now)).toBe("yesterday");
    expect(timeAgo("2026-11-30T12:00:00Z", now)).toBe("6 days ago");
  });

  it("stays relative beyond a week, so that a column reads alike", () => {
    expect(timeAgo("2026-11-22T12:00:00Z", now)).toBe("2 weeks ago");
    expect(timeAgo("2026-09-01T12:00:00Z", now)).toBe("3 months ago");
    expect(timeAgo("2025-11-01T12:00:00Z", now)).toBe("last year");
  });

  it("says how far ahead for an instant to come", () => {
    expect(timeAgo("2026-12-06T15:00:00Z", now)).toBe("in 3 hours");
  });

  it("has a dash for nothing", () => {
    expect(timeAgo(null, now)).toBe("–");
  });
});
