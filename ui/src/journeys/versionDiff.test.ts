import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JourneyDefinition } from "./definition";
import { canonical, nodeHighlights, settingsChanged, sideBySide } from "./versionDiff";

const base: JourneyDefinition = {
  key: "cart",
  name: "Cart",
  trigger: { event: "Product Added" },
  start: "wait",
  nodes: {
    wait: { type: "delay", duration: "1h", next: "email" },
    email: { type: "message", channel: "email", template: "cart", next: "done" },
    done: { type: "exit" },
  },
};

describe("nodeHighlights", () => {
  it("marks added, removed and changed nodes, and leaves the rest out", () => {
    const newer: JourneyDefinition = {
      ...base,
      nodes: {
        wait: { type: "delay", duration: "2h", next: "sms" },
        sms: { type: "message", channel: "sms", template: "cart-sms", next: "done" },
        done: { type: "exit" },
      },
    };
    expect(nodeHighlights(base, newer)).toEqual({ wait: "changed", sms: "added", email: "removed" });
  });

  it("does not count a node whose keys were only reordered as changed", () => {
    const newer: JourneyDefinition = {
      ...base,
      nodes: { ...(base.nodes as object), wait: { next: "email", duration: "1h", type: "delay" } },
    };
    expect(nodeHighlights(base, newer)).toEqual({});
  });

  it("copes with a version that has no nodes yet", () => {
    const empty: JourneyDefinition = { key: "cart", name: "Cart", nodes: {} };
    expect(nodeHighlights(empty, base)).toEqual({ wait: "added", email: "added", done: "added" });
    expect(nodeHighlights(base, { key: "cart" })).toEqual({ wait: "removed", email: "removed", done: "removed" });
  });
});

describe("settingsChanged", () => {
  it("names the journey settings that differ, nodes aside", () => {
    const newer: JourneyDefinition = { ...base, trigger: { event: "Checkout Started" }, goal: { event: "Order Completed" } };
    delete newer.name;
    expect(settingsChanged(base, newer)).toEqual(["trigger", "goal", "name"]);
  });
});

describe("canonical", () => {
  it("ignores key order but not array order", () => {
    expect(canonical({ a: 1, b: [1, 2] })).toBe(canonical({ b: [1, 2], a: 1 }));
    expect(canonical({ a: [1, 2] })).not.toBe(canonical({ a: [2, 1] }));
  });
});

describe("sideBySide", () => {
  it("faces common lines and pairs a replaced run with its replacement", () => {
    const rows = sideBySide("a\nb\nc\nd\n", "a\nB\nc\nd\ne\n");
    expect(rows).toEqual([
      { left: { number: 1, text: "a", kind: "same" }, right: { number: 1, text: "a", kind: "same" } },
      { left: { number: 2, text: "b", kind: "removed" }, right: { number: 2, text: "B", kind: "added" } },
      { left: { number: 3, text: "c", kind: "same" }, right: { number: 3, text: "c", kind: "same" } },
      { left: { number: 4, text: "d", kind: "same" }, right: { number: 4, text: "d", kind: "same" } },
      { left: null, right: { number: 5, text: "e", kind: "added" } },
    ]);
  });

  it("shows identical texts without a change", () => {
    const rows = sideBySide("x\ny", "x\ny\n");
    expect(rows.every((row) => row.left?.kind === "same" && row.right?.kind === "same")).toBe(true);
    expect(rows).toHaveLength(2);
  });

  it("keeps every line of both texts, in order, and as few changed lines as a common subsequence allows", () => {
    const lines = fc.array(fc.constantFrom("a", "b", "c", "d"), { maxLength: 12 });
    fc.assert(
      fc.property(lines, lines, (older, newer) => {
        const rows = sideBySide(older.join("\n"), newer.join("\n"));
        const left = rows.flatMap((row) => (row.left ? [row.left] : []));
        const right = rows.flatMap((row) => (row.right ? [row.right] : []));
        expect(left.map((side) => side.text)).toEqual(older);
        expect(right.map((side) => side.text)).toEqual(newer);
        expect(left.map((side) => side.number)).toEqual(older.map((_, index) => index + 1));
        const same = rows.filter((row) => row.left?.kind === "same");
        expect(same.every((row) => row.right?.kind === "same" && row.right.text === row.left?.text)).toBe(true);
        expect(same).toHaveLength(lcsLength(older, newer));
      }),
    );
  });
});

function lcsLength(a: string[], b: string[]): number {
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      table[i]![j] = a[i - 1] === b[j - 1] ? table[i - 1]![j - 1]! + 1 : Math.max(table[i - 1]![j]!, table[i]![j - 1]!);
    }
  }
  return table[a.length]![b.length]!;
}
