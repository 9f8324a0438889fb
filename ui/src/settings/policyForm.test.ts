import { describe, expect, it } from "vitest";
import type { Policy } from "./api";
import { formField, formOf, newCap, policyOf, problems } from "./policyForm";

const POLICY: Policy = {
  timezone: "Europe/Paris",
  caps: [{ name: "email-daily", max: 2, per: "1d", channel: "email" }],
  quiet_hours: { start: "21:00", end: "08:00" },
  constants: { company: "Acme" },
  subscription_groups: { news: { opt_in: "explicit" } },
  pauses: [],
  event_names: {},
  message_costs: { email: 0.001 },
};

describe("the policy form", () => {
  it("gives back the policy it was filled from, untouched parts included", () => {
    expect(policyOf(POLICY, formOf(POLICY))).toEqual(POLICY);
  });

  it("saves a changed cap, an 'any' channel as no channel, and drops quiet hours when switched off", () => {
    const form = formOf(POLICY);
    const saved = policyOf(POLICY, { ...form, quiet: false, caps: [{ ...form.caps[0]!, max: "1", channel: "", per: " 12h " }] });
    expect(saved.caps).toEqual([{ name: "email-daily", max: 1, per: "12h" }]);
    expect(saved.quiet_hours).toBeUndefined();
    expect(saved.constants).toEqual({ company: "Acme" });
  });

  it("keeps quiet hours' channels only when some are chosen, and no time zone when none is", () => {
    const saved = policyOf(POLICY, { ...formOf(POLICY), timezone: "", channels: ["sms"] });
    expect(saved.quiet_hours).toEqual({ start: "21:00", end: "08:00", channels: ["sms"] });
    expect("timezone" in saved).toBe(false);
  });

  it("names each wrong value by the field the API would name", () => {
    const form = formOf(POLICY);
    const found = problems({
      ...form,
      start: "25:00",
      caps: [{ ...form.caps[0]!, max: "0", per: "daily" }, { ...form.caps[0]!, name: "email-daily" }],
    });
    expect(Object.keys(found).sort()).toEqual(["caps.0.max", "caps.0.per", "caps.1.name", "quiet_hours.start"]);
    expect(problems({ ...form, start: "08:00", end: "08:00" })).toHaveProperty(["quiet_hours.end"]);
    expect(problems(form)).toEqual({});
  });

  it("accepts the API's durations, short and ISO 8601", () => {
    const form = formOf(POLICY);
    for (const per of ["30m", "1d", "2w", "PT1H", "P1D"]) expect(problems({ ...form, caps: [{ ...form.caps[0]!, per }] })).toEqual({});
  });

  it("names a new cap after none of the others", () => {
    const form = formOf(POLICY);
    const first = newCap(form.caps);
    expect(first.name).toBe("cap-2");
    expect(newCap([...form.caps, first, { ...first, name: "cap-3" }]).name).toBe("cap-4");
  });

  it("places the API's field on the input that shows it", () => {
    expect(formField("caps.0.max")).toBe("caps.0.max");
    expect(formField("quiet_hours")).toBe("quiet_hours.end");
    expect(formField(null)).toBeNull();
  });
});
