import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { journeyToYaml, parseJourneyYaml, type JourneyDefinition, type JourneyNode } from "../definition";
import { checkJourney } from "./checks";
import { TRIGGER_ID, connect, fromGraph, removeElements, toGraph } from "./graph";
import { WAITING_TYPES, type NodeType, type Offer, type PriceLevel, type SendAt } from "./model";

// --- random valid journeys --------------------------------------------------------------

const awkwardText = fc.constantFrom("09:00", "yes", "No", "on", "null", "~", "1e3", "0x1F", "- x", "a: b", "#c", "line\nbreak", " padded ", "'q'", '"dq"', "2024-01-01", "", "{x}", "[1]", "*a", "&b", "!tag", "%d", "@at");
const text = fc.oneof(fc.string({ maxLength: 16 }), fc.string({ maxLength: 8, unit: "grapheme" }), awkwardText);
// Plain field names: YAML keys that JavaScript would reorder (`1`) or YAML merge (`<<`) are not ones Baton has.
const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/);
const scalar = fc.oneof(text, fc.integer({ min: -1e6, max: 1e6 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, fc.array(tie("json"), { maxLength: 3 }), fc.dictionary(key, tie("json"), { maxKeys: 3 })),
}));
const eventName = fc.constantFrom("Order Completed", "Product Added", "Page Viewed", "yes", "Signed Up");
const duration = fc.constantFrom("30s", "10m", "1h", "3d", "2w", "PT1H", "P3D", "P1DT2H");
const filters = fc.array(fc.record({ property: fc.constantFrom("price", "properties.cart_id", "plan"), op: fc.constantFrom("gt", "equals", "in"), value: scalar }), { minLength: 1, maxLength: 2 });
const condition = fc.oneof(
  fc.constant({ has: "email" }),
  fc.record({ segment: fc.constantFrom("vip", "at-risk") }),
  fc.record({ trait: key, op: fc.constantFrom("equals", "gt", "exists"), value: scalar }),
  fc.record({ all: fc.array(fc.record({ has: fc.constantFrom("email", "phone") }), { minLength: 1, maxLength: 2 }) }),
);
/** Fields Baton does not know (yet): kept as they are, wherever they are. */
const unknownFields = fc.dictionary(key.map((k) => `x_${k}`), json, { maxKeys: 2 });

const WITH_EXITS: NodeType[] = ["delay", "wait_until", "wait_for_event", "branch", "split", "holdout", "decide", "message", "update_profile", "webhook"];
const ANY_LAST: NodeType[] = ["delay", "wait_until", "wait_for_event", "split", "holdout", "decide", "message", "update_profile", "webhook", "enter_journey", "exit"];
const money = fc.oneof(fc.integer({ min: 1, max: 500 }), fc.constantFrom(0.5, 12.25, 99.99));
const context = fc.uniqueArray(fc.constantFrom("plan", "country", "predicted.churn-90d", "computed.orders_30d"), { minLength: 1, maxLength: 3 });
/** How a message is timed: as written by hand, every field of best time left out or given. */
const sendAt = fc.oneof(
  fc.constant({}),
  fc.constant({ send_at: "now" as SendAt }),
  fc.record(
    { send_at: fc.constant<SendAt>("best_time"), max_delay: fc.constantFrom("24h", "3d", "90m", "PT12H", "7d"), holdout: fc.constantFrom(0, 0.1, 0.25, 0.05) },
    { requiredKeys: ["send_at"] },
  ),
);

function optional<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arb, { nil: undefined });
}

/** The node's fields in a random order, unknown ones mixed in, absent ones left out. */
function shuffled(fields: Record<string, unknown>, extra: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries({ ...fields, ...extra }).filter(([, v]) => v !== undefined);
  return fc.shuffledSubarray(entries, { minLength: entries.length }).map((order) => Object.fromEntries(order));
}

/**
 * A node of the type whose first way out goes to `primary` (every node is then reached
 * from the first) and whose others go to any of `targets`: later nodes, or any node for a
 * node that waits, so that a loop always passes a wait.
 */
function node(type: NodeType, primary: string | undefined, targets: string[]): fc.Arbitrary<JourneyNode> {
  const target = targets.length ? optional(fc.constantFrom(...targets)) : fc.constant(undefined);
  const required = targets.length ? fc.constantFrom(...targets) : fc.constant("missing");
  const base = { type: fc.constant(type), description: optional(text) };
  const fields: Record<NodeType, () => fc.Arbitrary<Record<string, unknown>>> = {
    delay: () => fc.record({ ...base, duration, next: fc.constant(primary) }),
    wait_until: () => fc.oneof(
      fc.record({ ...base, time: fc.constantFrom("09:00", "18:30"), weekdays: optional(fc.subarray(["MON", "TUE", "FRI"], { minLength: 1 })), next: fc.constant(primary) }),
      fc.record({ ...base, date_trait: fc.constantFrom("birthday", "renewal_date"), offset: optional(fc.constantFrom("-3d", "+1h")), time: optional(fc.constant("09:00")), next: fc.constant(primary) }),
    ),
    wait_for_event: () => fc.oneof(
      fc.record({ ...base, event: eventName, where: optional(filters), correlate: optional(fc.constant("properties.cart_id")), timeout: duration, next: fc.constant(primary), timeout_next: target }),
      fc.record({
        ...base,
        events: fc.array(fc.record({ event: eventName, where: optional(filters), next: target }, { requiredKeys: ["event"] }), { minLength: 1, maxLength: 3 }),
        timeout: duration,
        next: fc.constant(primary),
        timeout_next: target,
      }),
    ),
    branch: () => fc.record({
      ...base,
      cases: fc.array(fc.record({ when: condition, next: required }), { minLength: 0, maxLength: 2 }).map((more) => [{ when: { has: "email" }, next: primary ?? "missing" }, ...more]),
      default: target,
    }),
    split: () => fc
      .uniqueArray(fc.constantFrom("A", "B", "C", "control"), { minLength: 2, maxLength: 3 })
      .chain((names) => fc.tuple(...names.map((name, i) => fc.record({ name: fc.constant(name), weight: fc.integer({ min: 1, max: 100 }), next: i === 0 ? fc.constant(primary) : target }))))
      .chain((arms) => fc.record({ ...base, arms: fc.constant(arms), optimize: optional(fc.record({ method: fc.constantFrom("thompson", "winner") })) })),
    holdout: () => fc.record({ ...base, percent: fc.integer({ min: 1, max: 99 }), next: fc.constant(primary) }),
    decide: () => fc
      .tuple(fc.constantFrom("offers", "levels"), fc.uniqueArray(fc.constantFrom("ten_off", "free_shipping", "vip_call", "full", "a-1"), { minLength: 2, maxLength: 4 }))
      .chain(([list, keys]) => {
        const pricing = list === "levels";
        const arm = (key: string, first: boolean): fc.Arbitrary<Partial<PriceLevel>> =>
          fc.record(
            {
              key: fc.constant(key),
              // The first level is within any guardrails below: they always leave one.
              level: first ? fc.constant(0) : fc.integer({ min: 0, max: 50 }),
              value: first ? fc.integer({ min: 10, max: 500 }) : money,
              cost: fc.constantFrom(0, 2, 4.5),
              cap: fc.record({ count: fc.integer({ min: 1, max: 1000 }), per: duration }, { requiredKeys: ["count"] }),
              eligible: condition,
              ...(targets.length ? { next: fc.constantFrom(...targets) } : {}),
            },
            { requiredKeys: pricing ? ["key", "level", "value"] : ["key", "value"] },
          ).map((made) => (pricing ? made : withoutLevel(made)));
        return fc.record({
          ...base,
          context: optional(context),
          window: optional(duration),
          holdout: optional(fc.constantFrom(0.01, 0.1, 0.25, 0.5)),
          [list]: fc.tuple(...keys.map((k, i) => arm(k, i === 0))),
          min_margin: pricing ? optional(fc.integer({ min: 0, max: 5 })) : fc.constant(undefined),
          max_level: pricing ? optional(fc.integer({ min: 10, max: 60 })) : fc.constant(undefined),
          next: fc.constant(primary),
          no_offer_next: target,
        });
      }),
    message: () => fc
      .tuple(
        fc.record({
          ...base,
          channel: fc.constantFrom("email", "sms", "push"),
          template: fc.constantFrom("cart-reminder", "welcome"),
          subscription_group: optional(fc.constant("news")),
          transactional: optional(fc.boolean()),
          on_cap: optional(fc.constantFrom("skip", "defer")),
          next: fc.constant(primary),
        }),
        sendAt,
      )
      .map(([fields, timing]) => ({ ...fields, ...timing })),
    update_profile: () => fc.record({ ...base, set: fc.dictionary(key, scalar, { minKeys: 1, maxKeys: 2 }), unset: optional(fc.array(key, { minLength: 1, maxLength: 2 })), next: fc.constant(primary) }),
    webhook: () => fc.record({
      ...base,
      url: fc.constant("https://example.com/hook?id={{ profile.id }}"),
      method: optional(fc.constantFrom("POST", "PUT")),
      body: optional(json),
      next: fc.constant(primary),
    }),
    enter_journey: () => fc.record({ ...base, journey: fc.constantFrom("win-back", "vip") }),
    exit: () => fc.record(base),
  };
  return fc.tuple(fields[type](), unknownFields).chain(([known, extra]) => shuffled(known, extra)) as fc.Arbitrary<JourneyNode>;
}

function withoutLevel({ level: _level, ...offer }: Partial<PriceLevel>): Partial<Offer> {
  return offer;
}

const trigger = fc.oneof(
  fc.record({ event: eventName, where: optional(filters) }, { requiredKeys: ["event"] }),
  fc.record({ segment_entered: fc.constantFrom("vip", "at-risk") }),
  fc.constant({ api: true }),
  fc.record({ schedule: fc.constant("0 9 * * MON"), segment: fc.constant("vip"), timezone: optional(fc.constant("Europe/Paris")) }, { requiredKeys: ["schedule", "segment"] }),
  fc.record({ date_trait: fc.constant("birthday"), offset: optional(fc.constant("-3d")), at: optional(fc.constant("10:00")), recurring: optional(fc.boolean()) }, { requiredKeys: ["date_trait"] }),
);

const journeys: fc.Arbitrary<JourneyDefinition> = fc
  .uniqueArray(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,10}$/), { minLength: 1, maxLength: 12 })
  .chain((ids) =>
    fc.tuple(
      fc.tuple(...ids.map((_, i) => fc.constantFrom(...(i < ids.length - 1 ? WITH_EXITS : ANY_LAST)))),
      fc.shuffledSubarray(ids, { minLength: ids.length }),
      fc.constant(ids),
    ),
  )
  .chain(([types, order, ids]) => {
    const nodes = ids.map((_, i) => {
      const type = types[i] as NodeType;
      const later = ids.slice(i + 1);
      return node(type, ids[i + 1], WAITING_TYPES.has(type) ? ids : later);
    });
    return fc.tuple(fc.tuple(...nodes), fc.constant(ids), fc.constant(order), fc.constant(types.includes("decide")));
  })
  .chain(([nodes, ids, order, deciding]) => {
    const goal = fc.oneof(fc.record({ event: eventName, exit: optional(fc.boolean()) }), fc.record({ segment_entered: fc.constant("vip") }));
    const steps = Object.fromEntries(order.map((id) => [id, nodes[ids.indexOf(id)]]));
    const fields = fc.record({
      key: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/),
      name: text.filter((t) => t.length > 0),
      stage: optional(fc.constantFrom("awareness", "conversion", "retention")),
      priority: optional(fc.integer({ min: 0, max: 100 })),
      trigger,
      audience: optional(condition),
      reentry: optional(fc.oneof(fc.constantFrom("never", "after_exit"), fc.record({ cooldown: duration }))),
      // A decide node learns from the goal.
      goal: deciding ? goal : optional(goal),
      exit_on: optional(fc.array(fc.oneof(fc.record({ event: eventName }), fc.record({ condition })), { minLength: 1, maxLength: 2 })),
      start: fc.constant(ids[0]),
      nodes: fc.constant(steps),
    });
    return fc.tuple(fields, unknownFields).chain(([known, extra]) => shuffled(known, extra)) as fc.Arbitrary<JourneyDefinition>;
  });

/** The structure with its key order: JSON keeps both. */
const shape = (value: unknown) => JSON.stringify(value);

/** Every key path in order, values left out. */
function keyPaths(value: unknown, at = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => keyPaths(item, `${at}.${i}`));
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => [`${at}.${key}`, ...keyPaths(item, `${at}.${key}`)]);
}

/** Every field naming a step, found by reading the node, as `source→field=target`. */
function references(definition: JourneyDefinition): string[] {
  const found: string[] = [];
  for (const [id, node] of Object.entries(definition.nodes ?? {})) {
    const add = (path: string, target: unknown) => typeof target === "string" && found.push(`${id}→${path}=${target}`);
    for (const name of ["next", "timeout_next", "default", "no_offer_next"]) add(name, node[name]);
    for (const list of ["cases", "arms", "events", "offers", "levels"]) {
      if (Array.isArray(node[list])) (node[list] as Record<string, unknown>[]).forEach((item, i) => add(`${list}.${i}.next`, item.next));
    }
  }
  return found.sort();
}

// --- the properties -----------------------------------------------------------------------

describe("random valid journeys", () => {
  test("survive YAML → graph → YAML unchanged: same keys, same order, nothing lost", () => {
    fc.assert(
      fc.property(journeys, (definition) => {
        const text = journeyToYaml(definition);
        const read = parseJourneyYaml(text);
        expect(read.error).toBeNull();
        expect(shape(read.definition)).toBe(shape(definition));

        const graph = toGraph(read.definition!);
        // An edge for each field that names a step, and the trigger's to the start.
        expect(graph.edges.filter((e) => e.source !== TRIGGER_ID).map((e) => `${e.id}=${e.target}`).sort()).toEqual(references(definition));
        expect(graph.edges.filter((e) => e.source === TRIGGER_ID).map((e) => e.target)).toEqual([definition.start]);
        const back = fromGraph(read.definition!, graph.nodes, graph.edges);
        expect(shape(back)).toBe(shape(definition));
        // Written over its own text, an unchanged definition changes no character.
        expect(journeyToYaml(back, text)).toBe(text);
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  test("pass the quick checks", () => {
    fc.assert(
      fc.property(journeys, (definition) => {
        expect(checkJourney(definition)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  test("edited on the graph, keep every other field and their order in the YAML", () => {
    fc.assert(
      fc.property(journeys, fc.nat(), fc.nat(), (definition, pickEdge, pickNode) => {
        const text = journeyToYaml(definition);
        const graph = toGraph(definition);
        const edge = graph.edges[pickEdge % graph.edges.length]!;
        const cut = removeElements(definition, [], [edge.id]);
        expect(toGraph(cut).edges.map((e) => e.id)).not.toContain(edge.id);
        expect(shape(parseJourneyYaml(journeyToYaml(cut, text)).definition)).toBe(shape(cut));

        const ids = Object.keys(definition.nodes ?? {});
        const target = ids[pickNode % ids.length]!;
        // Pointing a way out elsewhere changes that value only: every key stays where it was.
        expect(keyPaths(connect(definition, edge.source, edge.sourceHandle!, target))).toEqual(keyPaths(definition));
        const joined = connect(cut, edge.source, edge.sourceHandle!, target);
        expect(toGraph(joined).edges.find((e) => e.id === edge.id)?.target).toBe(target);
        expect(shape(parseJourneyYaml(journeyToYaml(joined, text)).definition)).toBe(shape(joined));
        // Putting the edge back gives the definition back (the field now last of its node).
        expect(connect(cut, edge.source, edge.sourceHandle!, edge.target)).toEqual(definition);
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
