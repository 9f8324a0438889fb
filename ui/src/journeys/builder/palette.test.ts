import { readFileSync } from "node:fs";
import { expect, expectTypeOf, test } from "vitest";
import type { components } from "../../api/schema";
import { NODE_TYPES, type NodeType } from "./model";

/** The node types Baton's API accepts in a journey definition (the generated schema, which
 * `make lint` keeps in step with the backend). */
type ApiNodeType = components["schemas"]["JourneyDefinition"]["nodes"][string]["type"];

test("the palette offers exactly the node types of the API (checked by tsc -b)", () => {
  // A type the backend adds, or the palette drops, fails `tsc -b` here.
  expectTypeOf<NodeType>().toEqualTypeOf<ApiNodeType>();
  expect(new Set(NODE_TYPES).size).toBe(NODE_TYPES.length);
});

test("the palette offers exactly the node types docs/journeys.md lists", () => {
  const docs = readFileSync(new URL("../../../../docs/journeys.md", import.meta.url), "utf8");
  const section = docs.split(/^### Nodes$/m)[1]?.split(/^#{1,3} /m)[0] ?? "";
  const documented = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map(([, type]) => type);
  expect(documented.length).toBeGreaterThan(0);
  expect([...NODE_TYPES].sort()).toEqual(documented.sort());
});
