import { describe, expect, it } from "vitest";
import { bodyOf, CHANNEL_FIELDS, complaint, MASK, valuesOf } from "./channelForm";

const SHOWN = {
  channel: "email",
  url: `smtp://mailer:${MASK}@mail.example.com:587`,
  sender: "news@acme.example",
  security: "starttls",
  links_url: "https://baton.acme.example",
  link_lifetime: "60d",
  tracking: true,
  link_secret: MASK,
  feedback_secret: MASK,
  rate: null,
  allow: ["mail.example.com"],
  retired: { link_secret: [{ until: "2026-12-31T00:00:00Z" }] },
};

describe("the channel form", () => {
  it("never fills a secret in, and saves back what it does not edit", () => {
    const values = valuesOf("email", SHOWN);
    expect(values.link_secret).toBe("");
    const body = bodyOf("email", SHOWN, { ...values, sender: "hi@acme.example", tracking: false });
    expect(body).toEqual({
      url: SHOWN.url,
      sender: "hi@acme.example",
      security: "starttls",
      links_url: "https://baton.acme.example",
      link_lifetime: "60d",
      tracking: false,
      allow: ["mail.example.com"],
    });
  });

  it("sends a secret only when a new one is typed, and a rate as a number", () => {
    const body = bodyOf("email", SHOWN, { ...valuesOf("email", SHOWN), link_secret: "a-new-secret-long-enough", rate: "5" });
    expect(body.link_secret).toBe("a-new-secret-long-enough");
    expect(body.rate).toBe(5);
    expect(body).not.toHaveProperty("feedback_secret");
  });

  it("starts a new channel from the API's defaults", () => {
    const values = valuesOf("sms", undefined);
    expect(values).toMatchObject({ account_sid: "", auth_token: "", api_url: "https://api.twilio.com", default_region: "US", timeout: "10s" });
    expect(bodyOf("sms", undefined, { ...values, account_sid: "AC1", auth_token: "token-123", sender: "+15550100" })).toEqual({
      api_url: "https://api.twilio.com",
      account_sid: "AC1",
      auth_token: "token-123",
      sender: "+15550100",
      default_region: "US",
      timeout: "10s",
    });
    expect(valuesOf("email", undefined)).toMatchObject({ security: "starttls", link_lifetime: "60d", tracking: true });
  });

  it("says what a malformed value should look like, and passes other complaints on", () => {
    const url = CHANNEL_FIELDS.email?.find((field) => field.name === "url");
    if (!url) throw new Error("e-mail has a url");
    expect(complaint(url, "Url: String should match pattern '^smtp://\\S+$'.")).toBe("SMTP server must look like smtp://user:password@smtp.example.com:587.");
    expect(complaint(url, "The mail server refused it.")).toBe("The mail server refused it.");
  });
});
