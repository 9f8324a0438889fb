import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Definition } from "./api";
import { definitionYaml, readDefinition } from "./document";
import { audienceSummary, emptyForm, fromLocalInput, nextVariantKey, profileIds, toDefinition, toForm, toLocalInput } from "./form";

const key = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,11}$/);
const share = (max: number) => fc.integer({ min: 1, max }).map((n) => n / 10_000);

const definitions: fc.Arbitrary<Definition> = fc
  .record(
    {
      key,
      name: fc.string({ minLength: 1, maxLength: 20 }),
      channel: fc.constantFrom("email", "sms", "whatsapp", "push"),
      template: key,
      subscription_group: key,
      audience: fc.oneof(
        key.map((segment) => ({ segment })),
        fc.array(key, { minLength: 1, maxLength: 4 }).map((profiles) => ({ profiles })),
        fc.constant({ upload: true as const }),
      ),
      send: fc.oneof(
        fc.constant({ at: "now" }),
        fc.constant({ at: "2026-12-24T09:00:00Z" }),
        fc.constant({ at: "2026-12-24T09:00:00+02:00" }),
        fc.constant({ local_time: "09:30", date: "2026-12-24" }),
      ),
      throttle: fc.oneof(fc.integer({ min: 1, max: 1_000_000 }).map((per_minute) => ({ per_minute })), fc.constantFrom({ spread_hours: 2.5 }, { spread_hours: 12 })),
      ab_test: fc.record({
        variants: fc.uniqueArray(fc.record({ key, template: key }), { minLength: 2, maxLength: 4, selector: (v) => v.key }),
        sample: share(4000),
        metric: fc.constantFrom("opens" as const, "clicks" as const, "goal" as const),
        wait: fc.constantFrom("4h", "30m", "1d"),
      }),
      holdout: fc.oneof(fc.constant(0), share(5000)),
      goal: fc.record({ event: fc.string({ minLength: 1, maxLength: 20 }), within: fc.constantFrom("7d", "48h") }),
      priority: fc.integer({ min: 0, max: 100 }),
    },
    { requiredKeys: ["key", "name", "channel", "template", "audience", "send", "holdout", "priority"] },
  )
  .map((d) => d as Definition);

describe("the broadcast form", () => {
  it("gives back any stored definition unchanged", () => {
    fc.assert(
      fc.property(definitions, (definition) => {
        expect(toDefinition(toForm(definition))).toEqual(definition);
      }),
    );
  });

  it("gives back the docs' example, read as YAML", () => {
    const text = `key: december-news
name: December newsletter
channel: email
template: december-news
subscription_group: newsletter
audience:
  segment: subscribers
send:
  local_time: "09:00"
  date: 2026-12-24
throttle:
  per_minute: 5000
ab_test:
  variants:
    - key: plain
      template: december-news
    - key: festive
      template: december-news-festive
  sample: 0.2
  metric: opens
  wait: 4h
holdout: 0.05
goal:
  event: Order Completed
  within: 7d
priority: 60
`;
    const { definition } = readDefinition(text);
    expect(definition).not.toBeNull();
    const form = toForm(definition!);
    expect(form).toMatchObject({ send: "local", localTime: "09:00", date: "2026-12-24", samplePercent: 20, holdoutPercent: 5, throttle: "per_minute" });
    expect(toDefinition(form)).toEqual(definition);
    expect(readDefinition(definitionYaml(toDefinition(form))).definition).toEqual(definition);
  });

  it("keeps what a choice hides, and writes only what is chosen", () => {
    const form = { ...emptyForm("news", "News"), segment: "buyers", profiles: "p1\np2" };
    expect(toDefinition(form).audience).toEqual({ segment: "buyers" });
    const listed = toDefinition({ ...form, audience: "profiles" });
    expect(listed.audience).toEqual({ profiles: ["p1", "p2"] });
    expect(toForm(listed).segment).toBe("");
    expect(toDefinition(emptyForm("n", "N"))).toEqual({
      key: "n",
      name: "N",
      channel: "email",
      template: "",
      audience: { segment: "" },
      send: { at: "now" },
      holdout: 0,
      priority: 50,
    });
  });

  it("reads profile ids one a line, or separated by commas", () => {
    expect(profileIds(" p1\n\np2, p3 \n")).toEqual(["p1", "p2", "p3"]);
  });

  it("names the next variant", () => {
    expect(nextVariantKey([{ key: "a" }, { key: "b" }])).toBe("c");
    expect(nextVariantKey([{ key: "b" }])).toBe("a");
  });

  it("turns a local date and time into an instant and back", () => {
    const instant = fromLocalInput("2026-12-24T09:00");
    expect(instant).toMatch(/^2026-12-2\dT\d\d:00:00Z$/);
    expect(toLocalInput(instant)).toBe("2026-12-24T09:00");
    expect(fromLocalInput("")).toBe("");
    expect(toLocalInput("nonsense")).toBe("");
  });

  it("says whom it goes to", () => {
    expect(audienceSummary({ segment: "vip" })).toBe("segment vip");
    expect(audienceSummary({ profiles: ["a"] })).toBe("1 listed profile");
    expect(audienceSummary({ upload: true })).toBe("an uploaded CSV");
  });
});
