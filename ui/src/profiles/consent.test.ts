import { describe, expect, it } from "vitest";
import type { Consent } from "./api";
import { consentRows } from "./consent";

const none: Consent = { profile_id: "p", groups: {}, history: [] };

describe("consentRows", () => {
  it("lists everything, each channel and each group, by default as their opt-in rule says", () => {
    const rows = consentRows(none, {}, { promotions: "implicit", partners: "explicit", newsletter: "double" });
    expect(rows.map((r) => [r.group, r.subscribed])).toEqual([
      ["*", true],
      ["channel:email", true],
      ["channel:sms", true],
      ["channel:push", true],
      ["channel:inbox", true],
      ["newsletter", false],
      ["partners", false],
      ["promotions", true],
    ]);
    expect(rows.find((r) => r.group === "newsletter")?.basis).toBe("Not subscribed: needs a confirmed opt-in");
    expect(rows[0]?.label).toBe("All marketing");
    expect(rows[2]?.label).toBe("SMS (whole channel)");
  });

  it("shows what was recorded, with its source and time, groups the policy lacks included", () => {
    const consent: Consent = {
      profile_id: "p",
      groups: {
        "channel:sms": { subscribed: false, changed_at: "2026-03-02T09:00:00Z", source: "sms_keyword" },
        partners: { subscribed: true, changed_at: "2026-03-01T09:00:00Z", source: "api" },
        vip: { subscribed: false, changed_at: "2026-03-01T09:00:00Z", source: "unsubscribe_link" },
      },
      history: [],
    };
    const rows = consentRows(consent, {}, { partners: "explicit" });
    const sms = rows.find((r) => r.group === "channel:sms");
    expect(sms).toMatchObject({ subscribed: false, basis: "Set by sms keyword", changedAt: "2026-03-02T09:00:00Z" });
    expect(rows.find((r) => r.group === "partners")?.subscribed).toBe(true);
    expect(rows.find((r) => r.group === "vip")).toMatchObject({ subscribed: false, basis: "Set by unsubscribe link" });
  });

  it("reads traits where nothing was recorded", () => {
    const byGroup = consentRows(none, { subscriptions: { promotions: false } }, { promotions: "implicit" });
    expect(byGroup.find((r) => r.group === "promotions")?.subscribed).toBe(false);
    expect(byGroup.find((r) => r.group === "*")?.subscribed).toBe(true);
    const all = consentRows(none, { unsubscribed: true }, {});
    expect(all.every((r) => !r.subscribed)).toBe(true);
  });
});
