import type { APIRequestContext, Locator, Page, Response } from "@playwright/test";
import { armLabel, experimentTitle, experimentVerdict } from "../src/analytics/verdict";
import type { FunnelAnswer, PathsAnswer } from "../src/analytics/exploration";
import type { Experiment, JourneyReport } from "../src/analytics/report";
import { expect, picture, settled, signIn, test } from "./fixtures";

const count = (value: number) => value.toLocaleString("en");
const percent = (rate: number | null) => (rate === null ? "–" : `${(rate * 100).toFixed(1)}%`);

/** The answer of the first call to `path` (a report, not its CSV) the page makes from now
 * on, whose body (if `body` is given) passes it. */
function answerOf(page: Page, path: RegExp, method = "GET", body: (sent: unknown) => boolean = () => true): Promise<Response> {
  return page.waitForResponse(
    (response) => path.test(new URL(response.url()).pathname) && response.request().method() === method && body(response.request().postDataJSON()),
  );
}

async function choose(page: Page, select: Locator, option: RegExp) {
  await select.click();
  await page.getByRole("option", { name: option }).click();
}

async function cells(row: Locator): Promise<string[]> {
  return (await row.getByRole("cell").allInnerTexts()).map((text) => text.trim());
}

/** Each arm's row of the experiment's table holds the API's profiles and conversions. */
async function expectArms(page: Page, key: string, experiment: Experiment) {
  const arms = page.getByRole("region", { name: `Arms of ${experimentTitle(key)}` });
  for (const [arm, figures] of Object.entries(experiment.arms)) {
    const label = armLabel(key, arm).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const row = arms.getByRole("row").filter({ has: page.getByRole("rowheader", { name: new RegExp(`^${label}`, "i") }) });
    expect((await cells(row)).slice(0, 2)).toEqual([count(figures.profiles), count(figures.conversions)]);
  }
}

test("A person reads the cart journey's report and an experiment's verdict", async ({ page, server }, testInfo) => {
  await signIn(page, server.owner);
  const reported = answerOf(page, /\/api\/v1\/journeys\/cart-abandonment\/report$/);
  await page.goto("/analytics?tab=reports&journey=cart-abandonment&period=30");
  const report = (await (await reported).json()) as JourneyReport;
  await settled(page);
  expect(report.entries).toBeGreaterThan(0);

  // The node funnel shows the API's figures for every step.
  const nodes = page.getByTestId("report-nodes");
  const steps = Object.entries(report.nodes);
  expect(steps.length).toBeGreaterThan(0);
  await expect(nodes.locator("tbody tr")).toHaveCount(steps.length);
  for (const [node, figures] of steps) {
    const row = nodes.locator(`tr[data-node="${node}"]`);
    await expect(row.getByRole("rowheader")).toHaveText(node);
    expect((await cells(row)).slice(0, 4)).toEqual([count(figures.entered), count(figures.waiting), count(figures.goals), count(figures.dropped)]);
  }
  const figures = page.getByTestId("report-figures");
  await expect(figures).toContainText(`Entries${count(report.entries)}`);
  await expect(figures).toContainText(`Reached the goal${count(report.goals.conversions)}`);
  const csv = page.getByRole("link", { name: "Download CSV" });
  expect(await csv.getAttribute("href")).toContain("/api/v1/journeys/cart-abandonment/report.csv?from=");

  // The demo's cart journey tests its incentive: the verdict and every arm's figures are
  // the API's.
  const split = report.experiments["split:incentive-test"];
  expect(split).toBeDefined();
  if (split === undefined) return;
  await expect(page.locator('[data-testid="experiment-verdict"][data-experiment="split:incentive-test"]')).toHaveText(
    experimentVerdict("split:incentive-test", split),
  );
  await expectArms(page, "split:incentive-test", split);
  await picture(page, testInfo, "analytics-journey-report");

  // A journey with a holdout, entered by API call, has an experiment and its verdict.
  const key = `holdout-${testInfo.project.name}-${Date.now()}`;
  const admin = { Authorization: `Bearer ${server.admin_token}` };
  const definition = {
    key,
    name: "Holdout check",
    trigger: { api: true },
    goal: { event: "Order Completed" },
    start: "keep-out",
    nodes: { "keep-out": { type: "holdout", percent: 50, next: "wait" }, wait: { type: "delay", duration: "1d" } },
  };
  const saved = await page.request.put(`/api/v1/journeys/${key}`, { data: definition, headers: admin });
  expect(saved.status(), await saved.text()).toBeLessThan(300);
  const published = await page.request.post(`/api/v1/journeys/${key}/publish`, { data: { migrate: false, dry_run: false }, headers: admin });
  expect(published.status(), await published.text()).toBe(200);
  const people = await page.request.get("/api/v1/profiles?limit=40");
  const { items } = (await people.json()) as { items: { id: string }[] };
  for (const person of items) {
    const entered = await page.request.post(`/api/v1/journeys/${key}/enter`, { data: { profile_id: person.id }, headers: admin });
    expect(entered.status(), await entered.text()).toBe(201);
  }
  const tested = answerOf(page, new RegExp(`/api/v1/journeys/${key}/report$`));
  await page.goto(`/journeys/${key}`);
  await settled(page);
  await page.getByRole("tab", { name: "Report" }).click();
  const withHoldout = (await (await tested).json()) as JourneyReport;
  const holdout = withHoldout.experiments.holdout;
  expect(holdout).toBeDefined();
  if (holdout === undefined) return;
  const verdict = page.getByTestId("experiment-verdict");
  await expect(verdict).toHaveText(experimentVerdict("holdout", holdout));
  await expect(verdict).toContainText(/not enough data yet/i);
  await expectArms(page, "holdout", holdout);
  await picture(page, testInfo, "journey-report-tab");
});

test("A person builds a funnel and a paths diagram over the demo data", async ({ page, server }, testInfo) => {
  await signIn(page, server.owner);
  await page.goto("/analytics?tab=funnels&period=30");
  await settled(page);
  await choose(page, page.getByRole("combobox", { name: "Step 1", exact: true }), /^Product Viewed \(/);
  await choose(page, page.getByRole("combobox", { name: "Step 2", exact: true }), /^Product Added \(/);
  await page.getByRole("button", { name: "Add step" }).click();
  const funnelAnswer = answerOf(page, /\/api\/v1\/analytics\/funnel$/, "POST", (sent) => (sent as { steps: unknown[] }).steps.length === 3);
  await choose(page, page.getByRole("combobox", { name: "Step 3", exact: true }), /^Order Completed \(/);
  const response = await funnelAnswer;
  const shown = (await response.json()) as FunnelAnswer;
  expect(response.request().postDataJSON()).toMatchObject({ steps: [{ event: "Product Viewed" }, { event: "Product Added" }, { event: "Order Completed" }], window: "7d" });

  // The same question asked of the API gets the answer the table shows.
  const asked = await askAgain(page.request, "/api/v1/analytics/funnel", response.request().postDataJSON(), server.admin_token);
  const funnel = asked as FunnelAnswer;
  expect(funnel).toEqual(shown);
  expect(funnel.entered).toBeGreaterThan(0);
  const rows = page.getByTestId("funnel-table").locator("tbody tr");
  await expect(rows).toHaveCount(3);
  for (const [index, step] of funnel.by_step.entries()) {
    expect((await cells(rows.nth(index))).slice(0, 5)).toEqual([
      String(index + 1),
      step.event,
      String(step.profiles),
      percent(step.conversion_from_previous),
      percent(step.conversion_from_first),
    ]);
  }
  await expect(page).toHaveURL(/step=Product\+Viewed&step=Product\+Added&step=Order\+Completed/);
  await picture(page, testInfo, "analytics-funnel-built");

  // Paths after adding to the cart: a sankey, and the top paths in a table.
  await page.getByRole("tab", { name: "Paths" }).click();
  const pathsAnswer = answerOf(page, /\/api\/v1\/analytics\/paths$/, "POST");
  await choose(page, page.getByRole("combobox", { name: "Event", exact: true }), /^Product Added \(/);
  const paths = (await (await pathsAnswer).json()) as PathsAnswer;
  expect(paths.paths.length).toBeGreaterThan(0);
  const result = page.getByTestId("paths-result");
  await expect(result.locator("svg path").first()).toBeVisible();
  const pathRows = page.getByTestId("paths-table").locator("tbody tr");
  await expect(pathRows).toHaveCount(paths.paths.length);
  const [first] = paths.paths;
  if (first === undefined) return;
  const firstRow = await cells(pathRows.first());
  expect(firstRow[1]).toBe(String(first.profiles));
  for (const event of first.path.filter((name) => name !== "(end)")) expect(firstRow[0]).toContain(event);
  await page.waitForTimeout(800); // the sankey draws in
  await picture(page, testInfo, "analytics-paths-built");
});

async function askAgain(request: APIRequestContext, path: string, body: unknown, token: string): Promise<unknown> {
  const answer = await request.post(path, { data: body, headers: { Authorization: `Bearer ${token}` } });
  expect(answer.status(), await answer.text()).toBe(200);
  return answer.json();
}

test("Every KPI the API reports is shown with its definition", async ({ page, server }) => {
  await signIn(page, server.owner);
  const reported = answerOf(page, /\/api\/v1\/kpis$/);
  await page.goto("/analytics");
  const body = (await (await reported).json()) as Record<string, unknown>;
  await settled(page);
  const kpis = Object.keys(body).filter((key) => !["from", "to", "previous", "series", "bucket_days"].includes(key));
  expect(kpis.length).toBeGreaterThan(10);
  const rows = page.getByRole("region", { name: "Key figures" }).locator("tbody tr");
  await expect(rows).toHaveCount(kpis.length);
  for (const row of await rows.all()) expect((await cells(row)).at(-1)?.length ?? 0).toBeGreaterThan(10);
});
