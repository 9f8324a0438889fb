import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseReading, withReading, type ActivityReading } from "./activity";

const at = (seconds: number, events = 1): ActivityReading => ({ at: seconds * 1000, events, messages: 0, errors: 0 });

describe("parseReading", () => {
  it("reads a message of the stream", () => {
    const data = JSON.stringify({ at: "2026-12-06T13:24:05.128Z", events_per_second: 4.2, messages_per_second: 1, errors_per_second: 0 });
    expect(parseReading(data)).toEqual({ at: Date.parse("2026-12-06T13:24:05.128Z"), events: 4.2, messages: 1, errors: 0 });
  });

  it("refuses what is not a reading", () => {
    expect(parseReading("not json")).toBeNull();
    expect(parseReading("null")).toBeNull();
    expect(parseReading(JSON.stringify({ at: "yesterday", events_per_second: 1, messages_per_second: 1, errors_per_second: 1 }))).toBeNull();
    expect(parseReading(JSON.stringify({ at: "2026-12-06T13:24:05Z", events_per_second: "1", messages_per_second: 1, errors_per_second: 1 }))).toBeNull();
    expect(parseReading(JSON.stringify({ at: "2026-12-06T13:24:05Z", events_per_second: -1, messages_per_second: 1, errors_per_second: 1 }))).toBeNull();
  });
});

describe("withReading", () => {
  it("keeps a rolling minute", () => {
    let readings: ActivityReading[] = [];
    for (let second = 0; second <= 90; second++) readings = withReading(readings, at(second));
    expect(readings).toHaveLength(60);
    expect(readings[0]!.at).toBe(31_000);
    expect(readings.at(-1)!.at).toBe(90_000);
  });

  it("puts a late reading in its place and replaces a repeated instant", () => {
    const readings = withReading(withReading(withReading([], at(1)), at(3)), at(2));
    expect(readings.map((r) => r.at)).toEqual([1000, 2000, 3000]);
    const again = withReading(readings, at(2, 9));
    expect(again.map((r) => r.events)).toEqual([1, 9, 1]);
  });

  it("drops a reading older than the window", () => {
    expect(withReading([at(100)], at(10)).map((r) => r.at)).toEqual([100_000]);
  });

  it("always holds sorted, distinct instants within the window of the newest", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 200 }), (seconds) => {
        let readings: ActivityReading[] = [];
        for (const second of seconds) readings = withReading(readings, at(second));
        const instants = readings.map((r) => r.at);
        const newest = Math.max(...seconds.map((s) => s * 1000));
        expect(instants).toEqual([...new Set(instants)].sort((a, b) => a - b));
        for (const instant of instants) expect(instant).toBeGreaterThan(newest - 60_000);
        if (seconds.length) expect(instants.at(-1)).toBe(newest);
      }),
    );
  });
});
