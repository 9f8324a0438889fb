import { expect, test } from "vitest";
import type { JourneyDefinition } from "../definition";
import { TRIGGER_ID } from "./graph";
import { freeSpot } from "./layout";
import { autoPositions } from "./positions";

test("the layout runs top to bottom: trigger, start, then each next step below", () => {
  const definition: JourneyDefinition = {
    key: "k",
    start: "a",
    nodes: { a: { type: "branch", cases: [{ when: { has: "email" }, next: "b" }], default: "c" }, b: { type: "exit" }, c: { type: "delay", duration: "1d", next: "b" } },
  };
  const at = autoPositions(definition);
  expect(Object.keys(at).sort()).toEqual([TRIGGER_ID, "a", "b", "c"].sort());
  expect(at[TRIGGER_ID]!.y).toBeLessThan(at.a!.y);
  expect(at.a!.y).toBeLessThan(at.c!.y);
  expect(at.c!.y).toBeLessThan(at.b!.y);
  // Nothing overlaps.
  const boxes = Object.values(at);
  for (const [i, p] of boxes.entries()) for (const q of boxes.slice(i + 1)) expect(Math.abs(p.x - q.x) >= 260 || Math.abs(p.y - q.y) >= 100).toBe(true);
});

test("a node added next to others goes where it overlaps none", () => {
  const taken = [
    { x: 0, y: 200, width: 260, height: 90 },
    { x: 300, y: 210, width: 260, height: 90 },
  ];
  expect(freeSpot({ x: 0, y: 400 }, taken)).toEqual({ x: 0, y: 400 });
  expect(freeSpot({ x: 0, y: 220 }, taken)).toEqual({ x: 616, y: 220 });
});
