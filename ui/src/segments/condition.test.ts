import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addTo,
  blank,
  conditionAt,
  KINDS,
  kindOf,
  moveAt,
  negated,
  OPS,
  pathOfField,
  regrouped,
  removeAt,
  type Condition,
  type PropertyFilter,
  tidy,
} from "./condition";
import { readComputedYaml, readSegmentYaml, toYaml, type ComputedDraft, type SegmentDraft } from "./document";

const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ._-]{0,20}$/);
const scalar = fc.oneof(name, fc.integer({ min: -1000, max: 1000 }), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }));
const comparison = fc.oneof(
  fc.record({ op: fc.constantFrom(...OPS.filter((op) => op !== "exists" && op !== "not_exists")), value: fc.oneof(scalar, fc.array(scalar, { minLength: 1, maxLength: 3 })) }),
  fc.record({ op: fc.constantFrom("exists" as const, "not_exists" as const) }),
);
const filter: fc.Arbitrary<PropertyFilter> = fc.tuple(name, comparison).map(([property, c]) => ({ property, ...c }));
const window = fc.oneof(
  fc.record({ last: fc.constantFrom("30d", "1h", "2w", "P3D") }),
  fc.record({ between: fc.constant<[string, string]>(["2026-03-01", "2026-04-01"]) }),
  fc.record({ since_last: name }),
);
const count = fc.oneof(fc.record({ at_least: fc.nat(9) }), fc.record({ at_most: fc.nat(9) }), fc.record({ exactly: fc.nat(9) }));

const { condition } = fc.letrec<{ condition: Condition }>((tie) => ({
  condition: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.tuple(name, comparison).map(([trait, c]): Condition => ({ trait, ...c })),
    fc.tuple(fc.constantFrom("revenue_90d", "first_seen_at"), comparison).map(([computed, c]): Condition => ({ computed, ...c })),
    fc.record({ event: name, where: fc.array(filter, { maxLength: 2 }), count, window }, { requiredKeys: ["event"] }),
    fc
      .tuple(fc.constantFrom("sum" as const, "avg" as const, "min" as const, "max" as const), name, name, comparison)
      .map(([aggregate, event, property, c]): Condition => ({ aggregate, event, property, ...c })),
    fc.record({ sequence: fc.array(fc.record({ event: name }), { minLength: 2, maxLength: 4 }), within: fc.constant("1h") }),
    fc.record({ has: fc.constantFrom("email" as const, "phone" as const) }),
    fc.record({ segment: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,10}$/) }),
    fc.array(tie("condition"), { minLength: 1, maxLength: 3 }).map((all): Condition => ({ all })),
    fc.array(tie("condition"), { minLength: 1, maxLength: 3 }).map((any): Condition => ({ any })),
    tie("condition").map((not): Condition => ({ not })),
  ),
}));

describe("segment YAML", () => {
  it("reads back every condition the builder can hold", () => {
    fc.assert(
      fc.property(condition, (built) => {
        const draft: SegmentDraft = { key: "vip", name: "VIP", condition: built };
        const read = readSegmentYaml(toYaml(draft));
        expect(read.error).toBeNull();
        expect(read.draft).toEqual(draft);
      }),
    );
  });

  it("reads back computed traits", () => {
    const trait: ComputedDraft = { key: "revenue_90d", name: "Revenue", kind: "sum", event: "Order Completed", property: "revenue", window: { last: "90d" } };
    expect(readComputedYaml(toYaml(trait)).draft).toEqual(trait);
    expect(readComputedYaml("key: x\nname: X\nkind: median\nevent: E").error?.message).toMatch(/^kind: one of count/);
  });

  it("says where the YAML does not read", () => {
    const read = readSegmentYaml("key: vip\nname: VIP\ncondition:\n  all: [\n");
    expect(read.draft).toBeNull();
    expect(read.error?.line).toBeGreaterThan(1);
    expect(readSegmentYaml("key: vip\nname: VIP\ncondition: {size: 3}").error?.message).toMatch(/^condition:/);
  });
});

describe("builder edits", () => {
  const tree: Condition = { all: [{ trait: "plan", op: "equals", value: "pro" }, { event: "Order Completed" }, { not: { has: "email" } }] };

  it("names every kind by its leading key", () => {
    for (const kind of KINDS) expect(kindOf(blank(kind))).toBe(kind);
  });

  it("adds, moves and removes conditions", () => {
    const added = addTo(tree, [], { segment: "vip" });
    expect(conditionAt(added, [3])).toEqual({ segment: "vip" });
    const moved = moveAt(added, [3], -1);
    expect(conditionAt(moved, [2])).toEqual({ segment: "vip" });
    expect(moveAt(tree, [0], -1)).toEqual(tree);
    expect(removeAt(tree, [1])).toEqual({ all: [tree.all[0], tree.all[2]] });
  });

  it("removing the last condition of a nested part removes the part", () => {
    expect(removeAt(tree, [2, 0])).toEqual({ all: [tree.all[0], tree.all[1]] });
    expect(removeAt({ all: [{ has: "email" }] }, [0])).toEqual({ all: [{ has: "email" }] });
  });

  it("negates, regroups and wraps a lone condition into a group", () => {
    expect(negated(negated({ has: "phone" }))).toEqual({ has: "phone" });
    expect(regrouped(tree, "any")).toEqual({ any: tree.all });
    expect(addTo({ has: "email" }, [], { has: "phone" })).toEqual({ all: [{ has: "email" }, { has: "phone" }] });
  });

  it("finds the condition an API error names", () => {
    expect(pathOfField("condition.all.1.window")).toEqual([1]);
    expect(pathOfField("condition.any.0.not.all.2.value")).toEqual([0, 0, 2]);
    expect(pathOfField("condition")).toEqual([]);
    expect(pathOfField("key")).toBeNull();
  });
});

describe("tidy", () => {
  it("puts each condition's naming key first, as Baton's stored order does not", () => {
    const stored = { all: [{ op: "equals", value: "pro", trait: "plan" }, { window: { last: "7d" }, event: "Page Viewed" }] } as Condition;
    const tidied = tidy(stored);
    expect(tidied).toEqual(stored);
    expect(JSON.stringify(tidied)).toBe('{"all":[{"trait":"plan","op":"equals","value":"pro"},{"event":"Page Viewed","window":{"last":"7d"}}]}');
  });

  it("changes no condition's meaning", () => {
    fc.assert(
      fc.property(condition, (built) => {
        expect(tidy(built)).toEqual(built);
      }),
    );
  });
});
