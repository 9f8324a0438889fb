import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { listText, parseList, parseScalar, scalarText, withOp } from "./comparison";
import { OPS } from "./condition";

describe("typed values", () => {
  it("reads numbers and booleans as themselves, quotes as text", () => {
    expect(parseScalar("5")).toBe(5);
    expect(parseScalar("-2.5")).toBe(-2.5);
    expect(parseScalar("true")).toBe(true);
    expect(parseScalar('"5"')).toBe("5");
    expect(parseScalar("pro")).toBe("pro");
  });

  it("writes back what reads as the same value", () => {
    const scalar = fc.oneof(fc.string({ maxLength: 12 }).filter((s) => !s.includes('"') && !s.includes(",") && s.trim() === s), fc.integer(), fc.boolean());
    fc.assert(
      fc.property(scalar, (value) => {
        expect(parseScalar(scalarText(value))).toEqual(value);
      }),
    );
    fc.assert(
      fc.property(fc.array(scalar.filter((v) => v !== ""), { maxLength: 4 }), (values) => {
        expect(parseList(listText(values))).toEqual(values);
      }),
    );
  });

  it("keeps a value only where the new op takes it", () => {
    expect(withOp({ op: "equals", value: 5 }, "exists")).toEqual({ op: "exists" });
    expect(withOp({ op: "equals", value: 5 }, "gt")).toEqual({ op: "gt", value: 5 });
    expect(withOp({ op: "equals", value: "pro" }, "in")).toEqual({ op: "in", value: ["pro"] });
    expect(withOp({ op: "gt", value: 3 }, "between")).toEqual({ op: "between", value: [3, 4] });
    for (const op of OPS) expect(withOp({ trait: "plan", op: "equals", value: "x" }, op).trait).toBe("plan");
  });
});
