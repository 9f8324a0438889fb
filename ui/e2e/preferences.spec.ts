import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { createHmac } from "node:crypto";
import { expect, picture, test } from "./fixtures";

/* The preference center (/v1/preferences) in a real Chromium: reached from the site with
 * identity verification, used with the keyboard at phone and desktop widths, in English and
 * Hungarian, with no serious accessibility violation. It runs in the harness's spare
 * workspace, so its e-mail channel and identity secret touch no other test's. */

type Answer = { status: () => number; text: () => Promise<string>; json: () => Promise<unknown> };

async function ok(answer: Answer): Promise<unknown> {
  expect(answer.status(), await answer.text()).toBeLessThan(300);
  return answer.json();
}

async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `[${violation.impact}] ${violation.id}: ${violation.help} at ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`);
}

test("a customer opens their preferences from the site, changes them with the keyboard in two languages, and the page has no serious accessibility violation", async ({ page, server }, testInfo) => {
  const made = server.spare_workspace;
  const admin = { Authorization: `Bearer ${made.admin_token}` };
  // Nothing listens on port 9: the erasure e-mail cannot go, and the page says so.
  await ok(await page.request.put("/api/v1/channels/email", {
    headers: admin,
    data: { url: "smtp://127.0.0.1:9", sender: "Shop <news@shop.example>", security: "none", links_url: server.base_url, allow: ["127.0.0.1"] },
  }));
  await ok(await page.request.put("/api/v1/policy", { headers: admin, data: { subscription_groups: { "weekly-deals": {}, "product-news": {} } } }));
  const { secret } = (await ok(await page.request.post("/api/v1/identity-secret", { headers: admin }))) as { secret: string };
  const basic = { Authorization: `Basic ${Buffer.from(`${made.write_key}:`).toString("base64")}` };
  await ok(await page.request.post("/v1/identify", { headers: basic, data: { userId: "mia", traits: { email: "mia@shop.example", firstName: "Mia" } } }));
  const userHash = createHmac("sha256", secret).update("mia").digest("hex");
  const entry = `/v1/preferences?writeKey=${encodeURIComponent(made.write_key)}&userId=mia&userHash=${userHash}`;
  // The profile exists once the identity stage has run.
  await expect.poll(async () => (await page.request.get(entry, { maxRedirects: 0 })).status(), { timeout: 30_000 }).toBe(303);
  const forged = await page.request.get(entry.replace(userHash, userHash.replace(/^./, (c) => (c === "0" ? "1" : "0"))), { maxRedirects: 0 });
  expect(forged.status()).toBe(401);

  const failures: string[] = [];
  for (const size of [{ width: 375, height: 812 }, { width: 1280, height: 800 }]) {
    await page.setViewportSize(size);
    await page.goto(entry);
    await expect(page).toHaveURL(/\/v1\/preferences\/[\w.-]+$/);
    await expect(page.getByRole("heading", { level: 1, name: "Your preferences" })).toBeVisible();
    // Nothing is wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(size.width);
    for (const found of await seriousViolations(page)) failures.push(`at ${size.width} px: ${found}`);
    await picture(page, testInfo, `preferences-${size.width}`);
  }

  const topics = page.getByRole("group", { name: "Topics" });
  await expect(topics.getByRole("checkbox", { name: "Weekly deals" })).toBeChecked();
  await expect(page.getByRole("group", { name: "Channels" }).getByRole("checkbox", { name: "E-mail" })).toBeChecked();
  // With the keyboard only: untick a topic, pick a frequency, save.
  await topics.getByRole("checkbox", { name: "Weekly deals" }).focus();
  await page.keyboard.press("Space");
  await page.getByRole("radio", { name: "At most 1 a week" }).focus();
  await page.keyboard.press("Space");
  await page.getByRole("button", { name: "Save my choices" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toHaveText("Your choices are saved.");
  await expect(page.getByRole("checkbox", { name: "Weekly deals" })).not.toBeChecked();
  await expect(page.getByRole("radio", { name: "At most 1 a week" })).toBeChecked();
  for (const found of await seriousViolations(page)) failures.push(`after saving: ${found}`);

  await page.getByRole("navigation", { name: "Language" }).getByRole("link", { name: "Magyar" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "hu");
  await expect(page.getByRole("heading", { level: 1, name: "Beállításaid" })).toBeVisible();
  await expect(page.getByRole("radio", { name: "Legfeljebb heti egyet" })).toBeChecked();
  await page.getByRole("button", { name: "Kérem a törlési linket e-mailben" }).click();
  await expect(page.getByRole("alert")).toHaveText("Most nem sikerült elküldeni az e-mailt. Kérjük, próbáld újra később.");
  // The download, too, is only ever a link e-mailed to the person.
  await page.getByRole("button", { name: "Kérem a letöltési linket e-mailben" }).click();
  await expect(page.getByRole("alert")).toHaveText("Most nem sikerült elküldeni az e-mailt. Kérjük, próbáld újra később.");
  for (const found of await seriousViolations(page)) failures.push(`in Hungarian: ${found}`);
  await page.setViewportSize({ width: 375, height: 812 });
  await picture(page, testInfo, "preferences-hu-375");

  // The consent the page recorded is the person's own, with its evidence.
  const profiles = (await ok(await page.request.get("/api/v1/profiles/lookup?user_id=mia", { headers: admin }))) as { id: string };
  const consent = (await ok(await page.request.get(`/api/v1/profiles/${profiles.id}/consent`, { headers: admin }))) as { groups: Record<string, { subscribed: boolean; source: string }> };
  expect(consent.groups["weekly-deals"]).toMatchObject({ subscribed: false, source: "preference_center" });
  expect(failures, `serious or critical accessibility violations\n${failures.join("\n")}`).toEqual([]);
});
