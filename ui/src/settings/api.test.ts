import { describe, expect, it } from "vitest";
import { auditQuery } from "./api";

describe("the audit trail's filter", () => {
  it("asks for whole days, the last one included, and leaves out what is empty", () => {
    expect(auditQuery({ actor: " ann@example.com ", action: "", object: "journey:welcome", from: "2026-12-01", to: "2026-12-06" })).toEqual({
      actor: "ann@example.com",
      object: "journey:welcome",
      from: "2026-12-01T00:00:00Z",
      to: "2026-12-07T00:00:00.000Z",
    });
    expect(auditQuery({ actor: "", action: "", object: "", from: "", to: "" })).toEqual({});
  });
});
