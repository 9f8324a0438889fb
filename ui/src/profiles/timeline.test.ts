import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JourneyStep, ProfileEvent, ProfileMessage } from "./api";
import { compactProperties, instantKey, mergeTimeline, messageOutcome, type TimelineSources } from "./timeline";

const at = (second: number) => new Date(Date.UTC(2026, 2, 2, 9, 0, second)).toISOString();

function event(id: string, timestamp: string): ProfileEvent {
  return {
    message_id: id,
    type: "track",
    event: id,
    name: null,
    user_id: "u",
    anonymous_id: null,
    timestamp,
    received_at: timestamp,
    properties: {},
    context: null,
    traits: null,
  };
}

function message(id: string, created_at: string): ProfileMessage {
  return {
    id,
    journey: "j",
    version: 1,
    instance_id: "i",
    node: "n",
    channel: "email",
    template: "t",
    subscription_group: null,
    status: "delivered",
    created_at,
    due_at: created_at,
    dispatched_at: created_at,
    detail: null,
    reason: null,
    transactional: false,
  };
}

function step(id: string, when: string): JourneyStep {
  return { instance_id: id, journey: "j", version: 1, n: 1, at: when, node: "n", action: "message", detail: null };
}

const loaded = <T,>(items: T[], complete: boolean) => ({ items, complete });

describe("instantKey", () => {
  it("keeps the microseconds the API gives", () => {
    expect(instantKey("2026-03-02T09:00:00.000002Z") - instantKey("2026-03-02T09:00:00.000001Z")).toBe(1);
    expect(instantKey("2026-03-02T09:00:00.5Z")).toBe(instantKey("2026-03-02T09:00:00Z") + 500_000);
    expect(instantKey("2026-03-02T09:00:01Z")).toBeGreaterThan(instantKey("2026-03-02T09:00:00.999999Z"));
  });
});

describe("mergeTimeline", () => {
  it("merges the three lists newest first, the event first at a shared instant", () => {
    const merged = mergeTimeline({
      event: loaded([event("e2", at(30)), event("e1", at(10))], true),
      message: loaded([message("m1", at(20))], true),
      step: loaded([step("s2", at(30)), step("s1", at(5))], true),
    });
    expect(merged.entries.map((entry) => entry.key)).toEqual([
      "event:e2",
      "step:s2:1",
      "message:m1",
      "event:e1",
      "step:s1:1",
    ]);
    expect(merged.waitingFor).toEqual([]);
  });

  it("holds back rows a list with more pages may still come before, and says which list to page", () => {
    const merged = mergeTimeline({
      event: loaded([event("e3", at(50)), event("e2", at(40))], false),
      message: loaded([message("m1", at(45)), message("m0", at(1))], true),
      step: loaded([], true),
    });
    expect(merged.entries.map((entry) => entry.key)).toEqual(["event:e3", "message:m1", "event:e2"]);
    expect(merged.waitingFor).toEqual(["event"]);
  });

  it("shows nothing until every list not known to be empty has answered", () => {
    const merged = mergeTimeline({
      event: loaded([event("e1", at(50))], true),
      message: loaded([], false),
      step: loaded([], true),
    });
    expect(merged.entries).toEqual([]);
    expect(merged.waitingFor).toEqual(["message"]);
  });

  it("paged in any sizes, shows only rows in their final order and ends with all of them", () => {
    const seconds = fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 30 });
    const pageSize = fc.integer({ min: 1, max: 7 });
    fc.assert(
      fc.property(seconds, seconds, seconds, pageSize, pageSize, pageSize, (es, ms, ss, ep, mp, sp) => {
        const newestFirst = (values: number[]) => [...values].sort((a, b) => b - a);
        const all = {
          event: newestFirst(es).map((s, i) => event(`e${i}`, at(s))),
          message: newestFirst(ms).map((s, i) => message(`m${i}`, at(s))),
          step: newestFirst(ss).map((s, i) => step(`s${i}`, at(s))),
        };
        const sizes = { event: ep, message: mp, step: sp };
        const everything = mergeTimeline({
          event: loaded(all.event, true),
          message: loaded(all.message, true),
          step: loaded(all.step, true),
        }).entries;
        const full = everything.map((entry) => entry.key);
        const times = everything.map((entry) => entry.time);
        expect(times).toEqual([...times].sort((a, b) => b - a));

        const count = { event: 0, message: 0, step: 0 };
        const sources = (): TimelineSources => ({
          event: loaded(all.event.slice(0, count.event), count.event >= all.event.length),
          message: loaded(all.message.slice(0, count.message), count.message >= all.message.length),
          step: loaded(all.step.slice(0, count.step), count.step >= all.step.length),
        });
        // The first page of each list, as the page asks for them at once.
        for (const kind of ["event", "message", "step"] as const) count[kind] = sizes[kind];
        for (let round = 0; round < 200; round += 1) {
          const merged = mergeTimeline(sources());
          expect(full.slice(0, merged.entries.length)).toEqual(merged.entries.map((entry) => entry.key));
          if (merged.waitingFor.length === 0) {
            expect(merged.entries.length).toBe(full.length);
            return;
          }
          for (const kind of merged.waitingFor) count[kind] += sizes[kind];
        }
        throw new Error("the timeline never finished loading");
      }),
    );
  });
});

describe("row text", () => {
  it("tells a message's outcome with its reason", () => {
    expect(messageOutcome({ status: "skipped", reason: "quiet_hours", detail: null })).toBe(
      "Skipped: quiet hours in the person's time zone",
    );
    expect(messageOutcome({ status: "skipped", reason: "cap:promos", detail: null })).toBe("Skipped: frequency cap “promos”");
    expect(messageOutcome({ status: "failed", reason: null, detail: "HTTP 500" })).toBe("Failed: HTTP 500");
    expect(messageOutcome({ status: "delivered", reason: null, detail: "log:email" })).toBe("Delivered");
  });

  it("sums up properties on one line", () => {
    expect(compactProperties({ sku: "A-1", price: 20, items: [1, 2, 3], more: { a: 1 } }, 3)).toBe(
      "sku: A-1 · price: 20 · items: [3] · +1 more",
    );
    expect(compactProperties(null)).toBe("");
  });
});
