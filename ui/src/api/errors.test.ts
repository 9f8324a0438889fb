import { describe, expect, it } from "vitest";
import { ApiError, fieldError, isNotFound, readable } from "./errors";

const refusal = (field: string | null) => new ApiError(422, "invalid", "the password is too short", field);

describe("readable", () => {
  it("gives the API's message as a sentence", () => {
    expect(readable(ApiError.from(400, { error: { code: "invalid", message: "nodes.email.next: no such step", field: "nodes.email.next" } }))).toBe(
      "Nodes.email.next: no such step.",
    );
    expect(readable(refusal(null))).toBe("The password is too short.");
  });

  it("keeps the fallback of an answer without the API's error body", () => {
    expect(readable(ApiError.from(502, "Bad gateway"))).toBe("Baton could not answer; try again in a moment.");
  });

  it("says the server cannot be reached when the request never got an answer", () => {
    expect(readable(new TypeError("Failed to fetch"))).toBe("Baton cannot be reached. Check the connection and try again.");
  });
});

describe("fieldError", () => {
  it("is the message for the field the API names, and nothing for the others", () => {
    expect(fieldError(refusal("password"), "password")).toBe("The password is too short.");
    expect(fieldError(refusal("password"), "email")).toBeUndefined();
    expect(fieldError(new Error("password"), "password")).toBeUndefined();
    expect(fieldError(null, "password")).toBeUndefined();
  });
});

describe("isNotFound", () => {
  it("is true for the API's 404 only", () => {
    expect(isNotFound(ApiError.from(404, { error: { code: "not_found", message: "no such journey" } }))).toBe(true);
    expect(isNotFound(refusal(null))).toBe(false);
    expect(isNotFound(new Error("404"))).toBe(false);
  });
});
