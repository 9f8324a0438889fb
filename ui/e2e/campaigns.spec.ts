import type { Page } from "@playwright/test";
import { expect, picture, settled, signIn, test } from "./fixtures";

/* Broadcasts, sources and destinations, as a marketer and an integrator use them in the
 * console against the demo workspace. */

const stamp = () => Date.now().toString(36) + Math.random().toString(36).slice(2, 6);

/** Chooses `option` in the Mantine Select whose input has the test id. */
async function choose(page: Page, testId: string, option: RegExp) {
  await page.getByTestId(testId).click();
  await page.getByRole("option", { name: option }).first().click();
}

test("A marketer writes a broadcast in the form, sends it and reads its report with the lift against the holdout", async ({ page, server }, testInfo) => {
  await signIn(page, server.owner);
  const name = `Winter news ${stamp()}`;
  await page.goto("/broadcasts");
  await settled(page);
  await page.getByRole("button", { name: "New broadcast" }).click();
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Open the form" }).click();
  await expect(page).toHaveURL(/\/broadcasts\/winter-news-[a-z0-9]+\?new=1$/);
  const key = decodeURIComponent(new URL(page.url()).pathname.split("/").at(-1) ?? "");

  // A mistake is shown beside its field: here, no template chosen yet.
  const found = await page.request.get("/api/v1/profiles?limit=40");
  const people = ((await found.json()) as { items: { id: string; identifiers: Record<string, string[]> }[] }).items;
  const ids = people.map((profile) => profile.id);
  await page.getByTestId("field-audience").getByText("A list of profiles").click();
  await page.getByLabel("Profile ids").fill(ids.join("\n"));
  await page.getByTestId("save-broadcast").click();
  await expect(page.getByText(/^Template: /)).toBeVisible();

  await choose(page, "field-template", /cart-reminder/);
  await page.getByLabel("Holdout").fill("20");
  await page.getByLabel("Count a goal").check();
  await page.getByLabel("Goal event").fill("Order Completed");
  await page.getByTestId("save-broadcast").click();
  await expect(page.getByText(`Saved the draft of ${name}.`)).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/broadcasts/${key}$`));

  // The YAML tab holds the same definition as code.
  await page.getByRole("tab", { name: "YAML" }).click();
  await expect(page.getByTestId("broadcast-yaml")).toContainText("holdout: 0.2");
  await expect(page.getByTestId("broadcast-yaml")).toContainText(`- ${ids[0]}`);

  await page.getByRole("button", { name: "Send…" }).click();
  const dialog = page.getByRole("dialog", { name: `Send ${name}?` });
  await expect(dialog).toContainText(`${ids.length} listed profiles as soon as it is sent, except a holdout of 20%`);
  await dialog.getByRole("button", { name: "Send", exact: true }).click();
  await expect(page.getByTestId("broadcast-status")).toHaveText(/Scheduled|Sending|Sent/);

  const report = page.getByTestId("broadcast-report");
  await expect(report).toBeVisible();
  const answer = await page.request.get(`/api/v1/broadcasts/${key}/report`);
  const counts = (await answer.json()) as { recipients: number; holdout_size: number };
  expect(counts.recipients).toBe(ids.length);
  await expect(report.getByTestId("report-figures")).toContainText(`Recipients${counts.recipients}`);
  if (counts.holdout_size > 0) await expect(page.getByTestId("holdout-lift")).toContainText(/the holdout \(no messages\)/);
  await expect(page.getByRole("region", { name: "By variant" })).toBeVisible();
  await picture(page, testInfo, "broadcast-report");

  // Why one of them got it, or was held out.
  const email = people.find((profile) => profile.identifiers.email?.length)?.identifiers.email?.[0] ?? "";
  expect(email).not.toBe("");
  const why = page.getByTestId("broadcast-why");
  await why.getByRole("combobox", { name: "Customer" }).fill(email);
  await page.getByRole("option", { name: new RegExp(email.replace(/[.+]/g, "\\$&")) }).click();
  await expect(why.getByTestId("why-answer")).toContainText(/^In the audience/);

  await page.goto("/broadcasts");
  await settled(page);
  await expect(page.getByTestId(`broadcast-${key}`).getByTestId("broadcast-status")).toHaveText(/Scheduled|Sending|Sent/);
});

test("A viewer reads broadcasts but is offered no change", async ({ page, server }) => {
  await signIn(page, server.viewer);
  await page.goto("/broadcasts");
  await settled(page);
  await expect(page.getByText("Your role can read broadcasts and their reports but not change or send them.")).toBeVisible();
  await expect(page.getByRole("button", { name: "New broadcast" })).toHaveCount(0);
});

test("An integrator makes a Shopify source, copies its webhook URL and tests it on a sample payload", async ({ page, server }, testInfo) => {
  await signIn(page, server.owner);
  await page.goto("/integrations");
  await settled(page);
  await page.getByRole("button", { name: "New source" }).click();
  const name = `Shop ${stamp()}`;
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Signing secret").fill("shpss_e2e_0123456789");
  await page.getByRole("button", { name: "Create the source" }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  const key = decodeURIComponent(new URL(page.url()).pathname.split("/").at(-1) ?? "");
  await expect(page.getByTestId("source-url")).toHaveValue(new RegExp(`/v1/sources/${key}/webhook$`));
  // The secret is write-only: never shown back.
  await expect(page.getByLabel("Signing secret")).toHaveValue("");

  await page.getByRole("button", { name: "Map the sample" }).click();
  await expect(page.getByTestId("sample-summary")).toHaveText("It makes one event.");
  await expect(page.getByTestId("sample-events")).toContainText("Order Completed");
  await expect(page.getByTestId("sample-events")).toContainText("jon@example.com");
  await picture(page, testInfo, "source");

  // An unsigned delivery is rejected, counted, and its reason shown.
  const rejected = await page.request.post(`/v1/sources/${key}/webhook`, { data: { id: 1 }, headers: { "X-Shopify-Topic": "orders/create" } });
  expect(rejected.status()).toBe(401);
  await page.reload();
  await settled(page);
  await expect(page.getByTestId("source-last-error")).toBeVisible();
  await page.goto("/integrations");
  await settled(page);
  await expect(page.getByTestId(`source-${key}`)).toContainText(/Shopify.*0.*1/);
});

test("An integrator makes a webhook destination from its starter and filters its dead letters", async ({ page, server }) => {
  await signIn(page, server.owner);
  await page.goto("/integrations?tab=destinations");
  await settled(page);
  await page.getByRole("button", { name: "New destination" }).click();
  const name = `Warehouse ${stamp()}`;
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Open the editor" }).click();
  await expect(page).toHaveURL(/\?new=webhook$/);
  await page.getByTestId("save-destination").click();
  await expect(page).not.toHaveURL(/\?new=/);
  await expect(page.getByRole("heading", { level: 2, name: "Deliveries" })).toBeVisible();
  await expect(page.getByTestId("destination-yaml")).toContainText('secret: "********"');
  await page.getByTestId("delivery-filter").getByText("Dead letters").click();
  await expect(page.getByText("No dead letter: every request got through or is still being tried.")).toBeVisible();
});

test("An author writes a template's Hungarian variant beside its default", async ({ page, server }) => {
  await signIn(page, server.owner);
  const key = `reminder-${stamp()}`;
  const { csrf_token } = (await (await page.request.get("/api/v1/auth/me")).json()) as { csrf_token: string };
  const made = await page.request.put(`/api/v1/templates/${key}`, { data: { key, channel: "sms", name: "Reminder", body: "Hi {{ profile.id }}" }, headers: { "X-CSRF-Token": csrf_token } });
  expect(made.status(), await made.text()).toBeLessThan(300);

  await page.goto(`/templates/${key}`);
  await settled(page);
  await page.getByLabel("New language code").fill("hu");
  await page.getByRole("button", { name: "Add a language" }).click();
  await expect(page.getByTestId("template-languages")).toContainText("hu");
  await page.getByTestId("template-body").locator(".cm-content").click();
  await page.keyboard.insertText("Szia {{ profile.id }}");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Journeys send this version from now on.")).toBeVisible();
  const saved = (await (await page.request.get(`/api/v1/templates/${key}`)).json()) as { body: string; locales?: Record<string, { body?: string }> };
  expect(saved.body).toBe("Hi {{ profile.id }}");
  expect(saved.locales?.hu?.body).toBe("Szia {{ profile.id }}");

  // The default's own text is untouched, shown again with its tab.
  await page.getByTestId("template-languages").getByText("Default").click();
  await expect(page.getByTestId("template-body")).toContainText("Hi {{ profile.id }}");
});
