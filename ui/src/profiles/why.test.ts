import { describe, expect, it } from "vitest";
import { instanceState, journeysOf, readableInstants } from "./why";

describe("readableInstants", () => {
  it("writes the API's instants as dates people read, in UTC", () => {
    expect(readableInstants("entered at 2026-03-02T09:00:00Z; email welcome was sent at 2026-03-04T17:30:00.123456Z")).toBe(
      "entered at Mar 2, 2026, 9:00 AM UTC; email welcome was sent at Mar 4, 2026, 5:30 PM UTC",
    );
    expect(readableInstants("at 2026-03-02T09:00:00+02:00")).toBe("at Mar 2, 2026, 7:00 AM UTC");
    expect(readableInstants("no dates here")).toBe("no dates here");
  });
});

describe("journeys", () => {
  it("are each listed once, newest first", () => {
    expect(journeysOf([{ journey: "b" }, { journey: "a" }, { journey: "b" }])).toEqual(["b", "a"]);
  });

  it("say where an instance stands", () => {
    expect(instanceState({ status: "live", node: "wait", waiting: true, outcome: null })).toBe("Waiting at wait");
    expect(instanceState({ status: "ended", node: "bye", waiting: false, outcome: "timed_out" })).toBe("Ended (timed out) at bye");
  });
});
