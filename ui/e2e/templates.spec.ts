import AxeBuilder from "@axe-core/playwright";
import type { Locator, Page } from "@playwright/test";
import { expect, picture, settled, signIn, test } from "./fixtures";

type DemoProfile = { id: string; identifiers: Record<string, string[]>; traits: Record<string, unknown> };

/** A demo customer with an e-mail address and a first name, to preview for. */
async function aCustomer(page: Page): Promise<{ email: string; firstName: string }> {
  const answer = await page.request.get("/api/v1/profiles?limit=50");
  expect(answer.status(), await answer.text()).toBe(200);
  const { items } = (await answer.json()) as { items: DemoProfile[] };
  for (const profile of items) {
    const email = profile.identifiers.email?.[0];
    const firstName = profile.traits.firstName;
    if (email && typeof firstName === "string" && firstName.length > 1) return { email, firstName };
  }
  throw new Error("no demo customer has an e-mail address and a first name");
}

/** Picks the customer to preview for, found by e-mail address in the profile picker. */
async function chooseCustomer(page: Page, email: string) {
  await page.getByRole("combobox", { name: "Customer" }).fill(email);
  await page.getByRole("option", { name: new RegExp(email.replace(/[.+]/g, "\\$&")) }).click();
}

/** Replaces the whole text of a CodeMirror editor, as typing it would. */
async function replaceText(page: Page, editor: Locator, text: string) {
  await editor.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.insertText(text);
}

async function frameWidth(frame: Locator): Promise<number> {
  const box = await frame.boundingBox();
  if (!box) throw new Error("the e-mail preview is not on the screen");
  return box.width;
}

test("a person writes an e-mail template with a Liquid mistake, sees it at its line, fixes it, and previews it for a chosen profile on mobile and desktop", async ({ page, server }, testInfo) => {
  await signIn(page, server.owner);
  const customer = await aCustomer(page);
  await page.goto("/templates");
  await settled(page);

  await page.getByRole("button", { name: "New template" }).click();
  const dialog = page.getByRole("dialog", { name: "New template" });
  await expect(dialog.getByLabel("Channel")).toHaveValue("E-mail");
  await dialog.getByLabel("Name").fill("Spring sale");
  await expect(dialog.getByLabel("Key")).toHaveValue("spring-sale");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(page).toHaveURL(/\/templates\/spring-sale$/);
  await expect(page.getByRole("heading", { level: 1, name: "Spring sale" })).toBeVisible();

  const html = page.getByTestId("template-html");
  await replaceText(page, html, "<p>Spring sale</p>\n<p>Everything -20%</p>\n<p>See you, {{ profile.traits.firstName | upcasee }}</p>");
  const problem = page.getByTestId("template-problem");
  await expect(problem).toHaveText("html, line 3, column 43: unknown filter 'upcasee'");
  // The same mistake, marked in the editor: underlined on line 3, flagged in the gutter.
  await expect(html.locator(".cm-line").nth(2).locator(".cm-lintRange-error")).toHaveText("upcasee");
  await expect(html.locator(".cm-gutter-lint .cm-lint-marker-error")).toHaveCount(1);
  await picture(page, testInfo, "template-mistake");

  await replaceText(page, html, "<p>Spring sale</p>\n<p>Everything -20%</p>\n<p>See you, {{ profile.traits.firstName | upcase }}</p>");
  await expect(problem).toHaveCount(0);
  await expect(html.locator(".cm-lintRange-error")).toHaveCount(0);

  await chooseCustomer(page, customer.email);
  await expect(page.getByTestId("email-envelope")).toContainText(`Hi ${customer.firstName}`);
  const frame = page.getByTestId("email-frame");
  await expect(page.frameLocator('[data-testid="email-frame"]').locator("body")).toContainText(`See you, ${customer.firstName.toUpperCase()}`);
  await expect(frame).toHaveAttribute("width", "600");
  const desktop = await frameWidth(frame);

  await page.getByText("Mobile (375 px)").click();
  await expect(frame).toHaveAttribute("width", "375");
  await expect.poll(() => frameWidth(frame)).toBeLessThan(desktop);
  await picture(page, testInfo, "template-preview-mobile");
  // The e-mail itself is the author's: a sandboxed frame that runs no script, axe included.
  const { violations } = await new AxeBuilder({ page }).exclude('[data-testid="email-frame"]').analyze();
  expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);
  await page.getByText("Desktop (600 px)").click();
  await expect(frame).toHaveAttribute("width", "600");
  await expect.poll(() => frameWidth(frame)).toBeCloseTo(desktop, 0);

  const save = page.getByRole("button", { name: "Save" });
  await save.click();
  await expect(page.getByText("Journeys send this version from now on.")).toBeVisible();
  await expect(save).toBeDisabled();
  await page.reload();
  await settled(page);
  await expect(page.getByTestId("template-html")).toContainText("{{ profile.traits.firstName | upcase }}");
});

test("an SMS template counts its characters, encoding and segments as it is written, for a chosen customer", async ({ page, server }, testInfo) => {
  await signIn(page, server.owner);
  const customer = await aCustomer(page);
  await page.goto("/templates/order-out-for-delivery");
  await settled(page);
  await chooseCustomer(page, customer.email);
  const size = page.getByTestId("sms-size");
  await expect(size).toContainText("GSM-7");
  await expect(size).toContainText("1 segment");

  // A curly quote leaves GSM-7: 71 characters of UCS-2 take two segments of 67.
  await replaceText(page, page.getByTestId("template-body"), `Hi {{ profile.traits.firstName }}, “${"x".repeat(65 - customer.firstName.length)}`);
  await expect(size).toContainText("UCS-2");
  await expect(size).toContainText("2 segments");
  await expect(page.getByTestId("sms-bubble")).toContainText(`Hi ${customer.firstName}, “`);
  await expect(page.getByTestId("sms-unicode")).toHaveText("Not in GSM-7, so the message is UCS-2: “");
  await picture(page, testInfo, "template-sms-preview");
});

test("push and in-app templates preview as a notification and as a card", async ({ page, server }, testInfo) => {
  await signIn(page, server.owner);
  const customer = await aCustomer(page);
  for (const [key, card] of [
    ["card-failed-push", "push-card"],
    ["card-failed-inbox", "in-app-card"],
  ] as const) {
    await page.goto(`/templates/${key}`);
    await settled(page);
    const title = await page.getByRole("textbox", { name: "Title" }).inputValue();
    await chooseCustomer(page, customer.email);
    await expect(page.getByTestId(card)).toContainText(title);
    await picture(page, testInfo, `template-${card}`);
  }
});

test("a viewer reads a template without being offered to change it", async ({ page, server }) => {
  await signIn(page, server.viewer);
  await page.goto("/templates/cart-reminder");
  await settled(page);
  await expect(page.getByText("Your role reads templates")).toBeVisible();
  await expect(page.getByRole("button", { name: "Save" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Delete" })).toHaveCount(0);
  await expect(page.getByTestId("template-html").locator(".cm-content")).toHaveAttribute("contenteditable", "false");
  await page.goto("/templates");
  await settled(page);
  await expect(page.getByRole("button", { name: "New template" })).toHaveCount(0);
});
