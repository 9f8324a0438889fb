import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, picture, settled, signIn, test } from "./fixtures";

const WIDTHS = [
  { width: 1280, height: 800 },
  { width: 768, height: 1024 },
];

/** Every page of the console: its name (for the screenshot) and its path, or how to find it;
 * `state`, when given, brings the page from its default state to the one judged. */
type Entry = {
  name: string;
  path: string | ((page: Page) => Promise<string>);
  signedOut?: boolean;
  state?: (page: Page) => Promise<void>;
};
const PAGES: Entry[] = [
  { name: "home", path: "/" },
  { name: "journeys", path: "/journeys" },
  { name: "journey", path: "/journeys/cart-abandonment" },
  { name: "journey-step-panel", path: "/journeys/cart-abandonment", state: openStep },
  { name: "journey-yaml", path: "/journeys/cart-abandonment", state: openYaml },
  // The demo published a second version of the cart journey (its incentive test).
  { name: "journey-versions-compare", path: "/journeys/cart-abandonment", state: compareVersions },
  { name: "journey-test-run", path: "/journeys/cart-abandonment", state: testRun },
  { name: "ready-journeys", path: "/ready-journeys" },
  { name: "profiles", path: "/profiles" },
  { name: "profile", path: async (page) => `/profiles/${await aProfileId(page)}` },
  ...["journeys", "consent"].map((tab) => ({ name: `profile-${tab}`, path: async (page: Page) => `/profiles/${await aProfileId(page)}?tab=${tab}` })),
  { name: "segments", path: "/segments" },
  { name: "segment", path: "/segments/at-risk-customers" },
  { name: "segment-new", path: "/segments/new-segment?new=1" },
  { name: "computed-traits", path: "/computed-traits" },
  { name: "computed-trait", path: (page) => aComputedTrait(page) },
  { name: "predictions", path: "/predictions" },
  { name: "prediction", path: "/predictions/telecom-churn" },
  { name: "prediction-clv", path: "/predictions/customer-value" },
  { name: "prediction-recommendations", path: "/predictions/next-products" },
  { name: "prediction-sentiment", path: "/predictions/nps-mood" },
  { name: "templates", path: "/templates" },
  { name: "template", path: "/templates/cart-reminder" },
  { name: "template-sms", path: "/templates/order-out-for-delivery" },
  { name: "template-push", path: "/templates/card-failed-push" },
  { name: "broadcasts", path: "/broadcasts" },
  { name: "broadcast", path: (page) => aBroadcast(page, "a11y-draft", false) },
  { name: "broadcast-report", path: (page) => aBroadcast(page, "a11y-sent", true) },
  { name: "broadcast-new", path: "/broadcasts/a11y-new?new=1" },
  { name: "placements", path: "/placements" },
  { name: "placement", path: (page) => made(page, "/api/v1/placements/a11y-hero", { name: "Hero", kind: "banner", default: { title: "Spring sale", body: "Free delivery", cta_text: "Shop now", cta_url: "/shop" }, variants: [{ key: "vip", when: { segment: "at-risk-customers" }, content: { title: "We miss you" } }] }, "/placements/a11y-hero") },
  { name: "placement-new", path: "/placements/a11y-new?new=1" },
  { name: "integrations", path: "/integrations" },
  { name: "integrations-destinations", path: "/integrations?tab=destinations" },
  { name: "source", path: (page) => made(page, "/api/v1/sources/a11y-shop-orders", { preset: "shopify", name: "Shop orders", secret: "shpss_a11y_0123456789" }, "/integrations/sources/a11y-shop-orders") },
  { name: "destination", path: (page) => made(page, "/api/v1/destinations/a11y-warehouse", { kind: "webhook", url: "https://example.com/in", events: ["Order Completed"] }, "/integrations/destinations/a11y-warehouse") },
  { name: "analytics", path: "/analytics" },
  { name: "analytics-report", path: "/analytics?tab=reports&journey=cart-abandonment" },
  { name: "analytics-funnel", path: "/analytics?tab=funnels&step=Product+Viewed&step=Product+Added&step=Order+Completed" },
  { name: "analytics-paths", path: "/analytics?tab=paths&event=Product+Added" },
  { name: "analytics-cohorts", path: "/analytics?tab=cohorts" },
  { name: "settings", path: "/settings" },
  ...["channels", "policy", "people", "keys", "approvals", "audit"].map((tab) => ({ name: `settings-${tab}`, path: `/settings?tab=${tab}` })),
  { name: "not-found", path: "/no-such-page" },
  { name: "login", path: "/login", signedOut: true },
  { name: "forgot-password", path: "/forgot-password", signedOut: true },
  // Any token shows the form: the API judges it only when the form is sent.
  { name: "reset-password", path: "/reset-password?token=a11y-not-a-real-token", signedOut: true },
  { name: "reset-password-broken", path: "/reset-password", signedOut: true },
  { name: "invitation", path: "/invite?token=a11y-not-a-real-token", signedOut: true },
  { name: "invitation-broken", path: "/invite", signedOut: true },
];

/** The builder with a message step's side panel open (by the keyboard: a click could land
 * on a step panned out of view). */
async function openStep(page: Page): Promise<void> {
  const step = page.getByTestId("node-incentive");
  await step.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("side-panel").getByRole("heading", { name: "incentive" })).toBeVisible();
}

async function openYaml(page: Page): Promise<void> {
  await page.getByTestId("tab-yaml").click();
  await expect(page.getByTestId("yaml-editor")).toContainText("cart-abandonment");
}

async function compareVersions(page: Page): Promise<void> {
  await page.getByRole("tab", { name: "Versions" }).click();
  await expect(page.getByRole("heading", { name: /^From version \d+ to version \d+$/ })).toBeVisible();
  await settled(page);
}

/** The Test tab with the result of a test run for the demo's busiest customer. */
async function testRun(page: Page): Promise<void> {
  await page.getByRole("tab", { name: "Test" }).click();
  await expect(page.getByRole("heading", { name: "Test run for one customer" })).toBeVisible();
  const id = await aProfileId(page);
  const found = (await (await page.request.get(`/api/v1/profiles/${id}`)).json()) as { identifiers: Record<string, string[]> };
  const email = found.identifiers.email?.[0];
  if (!email) throw new Error(`the profile ${id} has no e-mail address`);
  await page.getByRole("combobox", { name: "Customer" }).fill(email);
  await page.getByRole("option", { name: new RegExp(email.replace(/[.+]/g, "\\$&")) }).click();
  await page.getByRole("button", { name: "Run test" }).click();
  await expect(page.getByText(/^Simulated from|This customer would not enter/).first()).toBeVisible({ timeout: 30_000 });
  await settled(page);
}

/** The signed-in person's CSRF header, which every change needs. */
async function csrf(page: Page): Promise<Record<string, string>> {
  const { csrf_token } = (await (await page.request.get("/api/v1/auth/me")).json()) as { csrf_token: string };
  return { "X-CSRF-Token": csrf_token };
}

/** Puts `body` at `api` as the signed-in owner and answers `path`, the page showing it. */
async function made(page: Page, api: string, body: unknown, path: string): Promise<string> {
  const answer = await page.request.put(api, { data: body, headers: await csrf(page) });
  expect(answer.status(), await answer.text()).toBeLessThan(300);
  return path;
}

/** A broadcast to 40 of the demo's customers with a holdout: a draft, or sent. */
async function aBroadcast(page: Page, key: string, send: boolean): Promise<string> {
  const found = await page.request.get("/api/v1/profiles?limit=40");
  const profiles = ((await found.json()) as { items: { id: string }[] }).items.map((profile) => profile.id);
  const definition = { name: "Spring sale", channel: "email", template: "cart-reminder", audience: { profiles }, holdout: 0.2, goal: { event: "Order Completed" } };
  await made(page, `/api/v1/broadcasts/${key}`, definition, `/broadcasts/${key}`);
  if (send) {
    const sent = await page.request.post(`/api/v1/broadcasts/${key}/send`, { headers: await csrf(page) });
    expect(sent.status(), await sent.text()).toBe(200);
  }
  return `/broadcasts/${key}`;
}

/** A computed trait counting the demo's orders (the demo's own keeps a text value), made once. */
async function aComputedTrait(page: Page): Promise<string> {
  const headers = await csrf(page);
  const definition = { key: "orders_30d", name: "Orders in 30 days", kind: "count", event: "Order Completed", window: { last: "30d" } };
  const made = await page.request.put(`/api/v1/computed-traits/${definition.key}`, { data: definition, headers });
  if (made.status() === 404) {
    const created = await page.request.post("/api/v1/computed-traits", { data: definition, headers });
    expect(created.status(), await created.text()).toBe(201);
  }
  return `/computed-traits/${definition.key}`;
}

/** A demo customer with a full history: the one with the most events on the first page. */
async function aProfileId(page: Page): Promise<string> {
  const answer = await page.request.get("/api/v1/profiles?limit=50");
  expect(answer.status(), await answer.text()).toBe(200);
  const { items } = (await answer.json()) as { items: { id: string; event_count: number }[] };
  const busiest = items.toSorted((a, b) => b.event_count - a.event_count)[0];
  if (!busiest) throw new Error("the demo workspace has no profiles");
  return busiest.id;
}

function describe(violations: Awaited<ReturnType<AxeBuilder["analyze"]>>["violations"]): string {
  return violations
    .map((violation) => {
      const nodes = violation.nodes.map((node) => `    at ${node.target.join(" ")}\n      ${node.failureSummary?.replaceAll("\n", "\n      ")}`);
      return `[${violation.impact}] ${violation.id}: ${violation.help} (${violation.helpUrl})\n${nodes.join("\n")}`;
    })
    .join("\n\n");
}

for (const entry of PAGES) {
  test(`${entry.name}: no serious accessibility violation, at 1280 and 768 px`, async ({ page, server }, testInfo) => {
    if (!entry.signedOut) await signIn(page, server.owner);
    const path = typeof entry.path === "string" ? entry.path : await entry.path(page);
    const failures: string[] = [];
    for (const size of WIDTHS) {
      await page.setViewportSize(size);
      await page.goto(path);
      await settled(page);
      if (entry.state) await entry.state(page);
      await expect(page.getByRole("alert").filter({ hasText: /went wrong|cannot|could not|failed/i }), "the page shows an error").toHaveCount(0);
      const { violations } = await new AxeBuilder({ page }).analyze();
      const serious = violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
      if (serious.length) failures.push(`at ${size.width} px:\n${describe(serious)}`);
      // Charts (ECharts marks their boxes) draw in over a moment; the picture is of the page at rest.
      if (await page.locator("[_echarts_instance_]").count()) await page.waitForTimeout(500);
      await picture(page, testInfo, `${entry.name}-${size.width}`);
    }
    expect(failures, `${path}: serious or critical accessibility violations\n\n${failures.join("\n\n")}`).toEqual([]);
  });
}
