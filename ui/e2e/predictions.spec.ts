import type { APIRequestContext } from "@playwright/test";
import { expect, picture, settled, signIn, test } from "./fixtures";

type Summary = { key: string; status: string; training_requested: boolean; version: number | null; error: string | null };
type Detail = Summary & { versions: { version: number; active: boolean }[] };

/** The demo's predictions, once none is training or waiting to (the server trains the
 * ones `baton demo` left queued as it starts). */
async function settledPredictions(request: APIRequestContext): Promise<Summary[]> {
  let items: Summary[] = [];
  await expect
    .poll(
      async () => {
        const answer = await request.get("/api/v1/predictions");
        items = ((await answer.json()) as { items: Summary[] }).items;
        return items.some((p) => p.status === "training" || p.status === "new" || p.training_requested);
      },
      { timeout: 60_000 },
    )
    .toBe(false);
  return items;
}

test("The list shows the demo's models, each with its status and headline metric", async ({ page, server }, testInfo) => {
  await signIn(page, server.owner);
  const items = await settledPredictions(page.request);
  expect(items.map((p) => p.key)).toEqual(expect.arrayContaining(["churn-90d", "telecom-churn", "customer-value", "next-products", "nps-mood"]));

  await page.goto("/predictions");
  await settled(page);
  await expect(page.getByRole("link", { name: "Predictions" })).toHaveAttribute("aria-current", "page");
  const churn = page.getByTestId("prediction-telecom-churn");
  await expect(churn.getByRole("link", { name: "Telecom churn" })).toBeVisible();
  await expect(churn.getByTestId("prediction-status")).toHaveText("Ready");
  await expect(churn).toContainText(/AUC \d\.\d\d vs \d\.\d\d baseline/);
  // The win-back template's 90-day model cannot learn from the demo's weeks, and says why.
  const failed = page.getByTestId("prediction-churn-90d");
  await expect(failed.getByTestId("prediction-status")).toHaveText("Failed");
  const reason = items.find((p) => p.key === "churn-90d")?.error ?? "";
  expect(reason).not.toBe("");
  await expect(failed).toContainText(reason.slice(1));
  await expect(page.getByTestId("prediction-nps-mood")).toContainText("Scores en");
  await picture(page, testInfo, "predictions");
});

test("A model's page shows its metrics against the baseline, its model card and its versions", async ({ page, server }, testInfo) => {
  await signIn(page, server.owner);
  await settledPredictions(page.request);
  await page.goto("/predictions/telecom-churn");
  await settled(page);
  await expect(page.getByRole("heading", { level: 1, name: "Telecom churn" })).toBeVisible();
  await expect(page.getByTestId("verdict")).toContainText(/AUC \d\.\d\d against \d\.\d\d for logistic regression/);
  for (const heading of ["Metrics", "Lift by decile", "Calibration", "Features", "Model card", "Versions", "Definition"]) {
    await expect(page.getByRole("heading", { level: 2, name: heading, exact: true })).toBeVisible();
  }
  // The CSV-like text traits were read as numbers and categories, and the card says so.
  const features = page.getByRole("region", { name: "Features and their inferred types" });
  await expect(features.getByRole("row", { name: /tenure_months/ })).toContainText("numeric");
  await expect(features.getByRole("row", { name: /contract/ })).toContainText("categorical");
  const card = page.getByTestId("model-card");
  for (const part of ["Data window", "Intended use", "Fairness", "Known limits"]) await expect(card.getByRole("heading", { name: part })).toBeVisible();
  await expect(page.getByRole("region", { name: "Model versions" }).getByText("Active", { exact: true })).toBeVisible();
  await expect(page.getByTestId("prediction-yaml")).toContainText(`positive: "Yes"`);
  await page.waitForTimeout(500); // the charts draw in
  await picture(page, testInfo, "prediction-classification");

  for (const key of ["customer-value", "next-products", "nps-mood"]) {
    await page.goto(`/predictions/${key}`);
    await settled(page);
    await expect(page.getByTestId("model-card")).toBeVisible();
    await page.waitForTimeout(500);
    await picture(page, testInfo, `prediction-${key}`);
  }
  await expect(page.getByRole("cell", { name: /English/ })).toBeVisible();
  await expect(page.getByRole("row", { name: /Hungarian/ })).toContainText("Not supported");
});

test("Train queues a training that the page follows to a new active version", async ({ page, server }) => {
  await signIn(page, server.owner);
  await settledPredictions(page.request);
  const before = (await (await page.request.get("/api/v1/predictions/nps-mood")).json()) as Detail;
  await page.goto("/predictions/nps-mood");
  await settled(page);
  await page.getByRole("button", { name: "Train", exact: true }).click();
  await expect(page.getByText("Training of Mood of NPS comments is queued")).toBeVisible();
  // The page polls: the new version shows as active without a reload.
  const next = (before.version ?? 0) + 1;
  await expect(page.getByTestId(`version-${next}`)).toContainText("Active", { timeout: 60_000 });
  await expect(page.getByTestId("prediction-status")).toHaveText("Ready");
});

test("A viewer reads a model but cannot train it or change it", async ({ page, server }) => {
  await signIn(page, server.viewer);
  await page.goto("/predictions/telecom-churn");
  await settled(page);
  await expect(page.getByText("Your role can read this prediction")).toBeVisible();
  await expect(page.getByRole("button", { name: "Train", exact: true })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Make active" })).toHaveCount(0);
  await expect(page.getByTestId("prediction-yaml").locator(".cm-content")).toHaveAttribute("aria-readonly", "true");
});

test("Profile 360 shows a customer's churn score, its decile and the reasons in plain words", async ({ page, server }, testInfo) => {
  await signIn(page, server.owner);
  await settledPredictions(page.request);
  const found = await page.request.get("/api/v1/profiles?trait=churned&value=Yes&limit=1");
  const { items } = (await found.json()) as { items: { id: string }[] };
  const id = items[0]?.id;
  if (!id) throw new Error("the demo has no telecom customer who left");
  await page.goto(`/profiles/${id}`);
  await settled(page);
  const score = page.getByTestId("profile-score-telecom-churn");
  await expect(score.getByRole("link", { name: "Telecom churn" })).toBeVisible();
  await expect(score).toContainText(/\d+(\.\d)?%/);
  await expect(score).toContainText(/In the (top|bottom) \d+%|In the (highest|lowest) tenth/);
  await expect(score.getByRole("list", { name: "Why: Telecom churn" }).getByRole("listitem").first()).toBeVisible();
  // The items recommended to them, as the API lists them.
  const answer = await page.request.get(`/api/v1/profiles/${id}/predictions`);
  const { predictions } = (await answer.json()) as { predictions: { key: string; detail: { items?: string[] } }[] };
  const chosen = predictions.find((p) => p.key === "next-products")?.detail.items ?? [];
  const recommended = page.getByTestId("profile-score-next-products");
  await expect(recommended).toBeVisible();
  for (const item of chosen) await expect(recommended.getByRole("listitem").filter({ hasText: item })).toBeVisible();
  await picture(page, testInfo, "profile-predictions");
});

test("A new prediction written as YAML is saved and opens on its page", async ({ page, server }) => {
  await signIn(page, server.owner);
  await page.goto("/predictions");
  await settled(page);
  await page.getByRole("button", { name: "New prediction" }).click();
  const dialog = page.getByRole("dialog", { name: "New prediction" });
  await dialog.getByText("Sentiment", { exact: true }).click();
  const key = `ticket-mood-${Date.now()}`;
  const editor = dialog.getByTestId("new-prediction-yaml").locator(".cm-content");
  await editor.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText(`key: ${key}\nname: Ticket mood\nkind: sentiment\nevent: Ticket Opened\ntext: topic\n`);
  await dialog.getByRole("button", { name: "Save and train" }).click();
  await expect(page).toHaveURL(new RegExp(`/predictions/${key}$`));
  await expect(page.getByRole("heading", { level: 1, name: "Ticket mood" })).toBeVisible();
  await expect(page.getByTestId("prediction-status")).toHaveText("Ready", { timeout: 60_000 });
});
