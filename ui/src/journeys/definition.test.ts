import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { fieldLines, journeyToYaml, parseJourneyYaml, parseYamlValue, type JourneyDefinition } from "./definition";

const CART = readFileSync(new URL("../../../docs/examples/cart-abandonment.yaml", import.meta.url), "utf8");

function cart(): JourneyDefinition {
  const { definition } = parseJourneyYaml(CART);
  if (!definition) throw new Error("the example does not read");
  return definition;
}

describe("parseJourneyYaml", () => {
  test("reads the example journey with its fields in their order", () => {
    const definition = cart();
    expect(Object.keys(definition)).toEqual(["key", "name", "stage", "priority", "trigger", "reentry", "goal", "exit_on", "start", "nodes"]);
    expect(Object.keys(definition.nodes ?? {})).toEqual(["wait", "email", "later", "still", "sms", "done"]);
    expect(definition.nodes?.wait).toEqual({
      type: "wait_for_event",
      event: "Order Completed",
      correlate: "properties.cart_id",
      timeout: "1h",
      next: "done",
      timeout_next: "email",
    });
    expect(definition.trigger).toEqual({ event: "Product Added", where: [{ property: "price", op: "gt", value: 0 }] });
  });

  test("tells the line of a mistake", () => {
    expect(parseJourneyYaml("key: a\nname: [unclosed\nstart: x\n").error?.line).toBeGreaterThanOrEqual(2);
    expect(parseJourneyYaml("key: a\nkey: b\n").error).toEqual({ message: "Map keys must be unique", line: 2 });
    expect(parseJourneyYaml("key: a\nnodes:\n  ok: {type: exit}\n  bad: {next: ok}\n").error).toEqual({
      message: "nodes.bad: give the step a type, such as message or delay",
      line: 4,
    });
    expect(parseJourneyYaml("name: No key\n").error?.message).toBe("key: give the journey a key");
    expect(parseJourneyYaml("- a list\n").error?.message).toMatch(/mapping/);
    expect(parseJourneyYaml("").definition).toBeNull();
  });

  test("refuses anchors and aliases, as Baton does", () => {
    expect(parseJourneyYaml("key: a\nx: &one {has: email}\ny: *one\n").error).toEqual({
      message: "Anchors and aliases (& and *) are not allowed",
      line: 2,
    });
  });

  test("reads YAML as Baton's PyYAML does: an unquoted 09:00 is a number, yes a boolean", () => {
    const { definition } = parseJourneyYaml("key: a\nx: 09:00\nyes: on\nz: '09:00'\nd: 2026-01-02\ny: n\n");
    expect(definition).toEqual({ key: "a", x: 540, true: true, z: "09:00", d: "2026-01-02", y: "n" });
  });
});

describe("journeyToYaml", () => {
  test("writes small parts on one line and reads back the same", () => {
    const text = journeyToYaml(cart());
    expect(text).toContain("nodes:\n  wait:\n    type: wait_for_event\n");
    expect(text).toContain("  later: {type: delay, duration: 1d, next: still}\n");
    expect(text).toContain("    - {property: price, op: gt, value: 0}\n");
    expect(JSON.stringify(parseJourneyYaml(text).definition)).toBe(JSON.stringify(cart()));
  });

  test("quotes what YAML 1.1 would read as something else", () => {
    const text = journeyToYaml({ key: "a", time: "09:00", answer: "yes", empty: "", off: "off" });
    expect(text).toBe('key: a\ntime: "09:00"\nanswer: "yes"\nempty: ""\n"off": "off"\n');
    expect(parseJourneyYaml(text).definition).toEqual({ key: "a", time: "09:00", answer: "yes", empty: "", off: "off" });
  });

  test("edits the text it came from: comments, styles and order stay, changes land in place", () => {
    const definition = cart();
    const nodes = { ...definition.nodes };
    nodes.email = { ...nodes.email!, next: "done" };
    delete nodes.later;
    nodes.still = { ...nodes.still!, default: "sms" };
    nodes.thanks = { type: "message", channel: "email", template: "thanks" };
    const text = journeyToYaml({ ...definition, nodes }, CART);

    expect(text.startsWith("# The cart abandonment journey of docs/journeys.md.\n# Apply it with:")).toBe(true);
    expect(text).toContain("  email: {type: message, channel: email, template: cart-reminder, next: done}\n");
    expect(text).not.toContain("later");
    expect(text).toContain("    default: sms\n");
    expect(text).toContain("  where: [{property: price, op: gt, value: 0}]\n");
    expect(text.trimEnd().endsWith("thanks: {type: message, channel: email, template: thanks}")).toBe(true);
    expect(parseJourneyYaml(text).definition).toEqual({ ...definition, nodes });
  });

  test("follows the definition's key order, and writes shared parts twice rather than as anchors", () => {
    const shared = { has: "email" };
    const text = journeyToYaml({ name: "N", key: "k", audience: shared, goal: { condition: shared } } as JourneyDefinition, "key: k\nname: N\n");
    expect(text).toBe("name: N\nkey: k\naudience: {has: email}\ngoal:\n  condition: {has: email}\n");
    expect(parseJourneyYaml(text).error).toBeNull();
  });

  test("starts afresh when the previous text does not read", () => {
    expect(journeyToYaml({ key: "k" }, "key: [broken")).toBe("key: k\n");
  });
});

test("fieldLines finds an API error field in the text, or the nearest part of it", () => {
  expect(fieldLines(CART, ["nodes.email.next", "nodes.still.cases.0.next", "nodes.sms.nothing", "trigger", "nowhere"])).toEqual([22, 28, 30, 7, null]);
});

test("parseYamlValue reads a field written as YAML", () => {
  expect(parseYamlValue("{has: email}")).toEqual({ value: { has: "email" }, error: null });
  expect(parseYamlValue("a: [").error?.line).toBe(1);
});
