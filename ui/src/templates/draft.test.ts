import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { documentOf, draftOf, fieldsOf, LOCALE_CODE, partField, partText, problemText, spanOf, starterDraft, withLocale, withPart } from "./draft";

describe("spanOf", () => {
  const source = "<p>\n</p>\n<p>{{ profile.name | upcasee }}</p>";

  it("points at the word at the line and column", () => {
    const { from, to } = spanOf(source, { line: 3, column: 22 });
    expect(source.slice(from, to)).toBe("upcasee");
    const root = spanOf(source, { line: 3, column: 7 });
    expect(source.slice(root.from, root.to)).toBe("profile.name");
  });

  it("points at one character outside a word", () => {
    const { from, to } = spanOf(source, { line: 3, column: 4 });
    expect(source.slice(from, to)).toBe("{");
  });

  it("stays inside the text whatever the position", () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: -5, max: 50 }), fc.integer({ min: -5, max: 200 }), (text, line, column) => {
        const { from, to } = spanOf(text, { line, column });
        expect(0 <= from && from <= to && to <= text.length).toBe(true);
      }),
    );
  });
});

describe("drafts", () => {
  it("starts every channel with a template whose parts the channel needs", () => {
    for (const channel of ["email", "sms", "push", "inbox", "chat"]) {
      const parts = Object.keys(documentOf(starterDraft(channel, "Hi")));
      for (const field of fieldsOf(channel).filter((f) => f.required)) expect(parts).toContain(field.part);
    }
  });

  it("leaves empty parts out of the document, so the text part is made from the HTML", () => {
    const draft = draftOf({ key: "k", channel: "email", subject: "S", html: "<p>x</p>", created_at: "", updated_at: "" });
    expect(draft.text).toBe("");
    expect(documentOf(draft)).toEqual({ channel: "email", name: "", subject: "S", html: "<p>x</p>" });
  });

  it("keeps the WhatsApp template and the variants per language it does not edit", () => {
    const whatsapp = { content_sid: "HX0123456789abcdef0123456789abcdef", variables: { "1": "{{ profile.id }}" } };
    const locales = { hu: { body: "Szia" } };
    const stored = { key: "k", channel: "whatsapp", body: "Hi", whatsapp, locales, created_at: "", updated_at: "" };
    expect(documentOf(draftOf(stored))).toEqual({ channel: "whatsapp", name: "", body: "Hi", whatsapp, locales });
  });

  it("edits a language's parts apart from the template's own", () => {
    const draft = draftOf({ key: "k", channel: "sms", body: "Hi", created_at: "", updated_at: "" });
    const added = withLocale(draft, "hu", true);
    const written = withPart(added, "hu", "body", "Szia");
    expect(partText(written, "hu", "body")).toBe("Szia");
    expect(partText(written, null, "body")).toBe("Hi");
    expect(documentOf(written)).toEqual({ channel: "sms", name: "", body: "Hi", locales: { hu: { body: "Szia" } } });
    expect(withPart(written, "hu", "body", "").locales).toEqual({ hu: {} });
    expect(documentOf(withLocale(written, "hu", false))).toEqual({ channel: "sms", name: "", body: "Hi" });
    expect(partField("hu", "body")).toBe("locales.hu.body");
    expect(partField(null, "body")).toBe("body");
    expect(["hu", "pt-BR", "ro_RO"].every((code) => LOCALE_CODE.test(code))).toBe(true);
    expect(LOCALE_CODE.test("hungarian")).toBe(false);
  });

  it("reads a problem as part, line and column", () => {
    expect(problemText({ part: "html", line: 3, column: 12, message: "unknown filter 'upcasee'" })).toBe(
      "html, line 3, column 12: unknown filter 'upcasee'",
    );
  });
});
