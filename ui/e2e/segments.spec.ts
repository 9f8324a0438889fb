import type { Locator, Page } from "@playwright/test";
import { parse } from "yaml";
import { expect, picture, settled, signIn, test } from "./fixtures";

type Vocabulary = { traits: { key: string }[]; events: { name: string }[] };

async function choose(page: Page, select: Locator, option: string) {
  await select.click();
  await page.getByRole("option", { name: option, exact: true }).click();
}

/** Types the start of a name into a picker and clicks the name among its suggestions. */
async function pick(page: Page, picker: Locator, name: string) {
  await picker.click();
  await picker.fill(name.slice(0, 4));
  await page.getByRole("option", { name, exact: true }).click();
  await expect(picker).toHaveValue(name);
}

const number = async (locator: Locator) => Number((await locator.innerText()).replace(/[^\d]/g, ""));

test("A person builds a segment by clicks and watches its live count match the API's", async ({ page, server }, testInfo) => {
  await signIn(page, server.owner);
  const schema = await page.request.get("/api/v1/schema");
  expect(schema.status(), await schema.text()).toBe(200);
  const vocabulary = (await schema.json()) as Vocabulary;
  const trait = vocabulary.traits[0]?.key;
  const event = vocabulary.events[0]?.name;
  if (!trait || !event) throw new Error("the demo workspace has no traits or events");

  await page.goto("/segments");
  await settled(page);
  await page.getByRole("button", { name: "New segment" }).click();
  const dialog = page.getByRole("dialog", { name: "New segment" });
  const name = `Engaged ${Date.now()}`;
  await dialog.getByRole("textbox", { name: "Name" }).fill(name);
  const key = await dialog.getByRole("textbox", { name: "Key" }).inputValue();
  await dialog.getByRole("button", { name: "Open the editor" }).click();
  await expect(page).toHaveURL(new RegExp(`/segments/${key}\\?new=1$`));

  // The first condition: the trait is set.
  const first = page.getByTestId("condition-0");
  await pick(page, first.getByLabel(/^Trait/), trait);
  await choose(page, first.getByLabel("Operator of condition 1"), "is set");

  // The second: performed the event at least twice in the last 30 days.
  await page.getByRole("button", { name: "Add a condition", exact: true }).click();
  await page.getByRole("menuitem", { name: "Performed an event" }).click();
  const second = page.getByTestId("condition-1");
  await pick(page, second.getByLabel(/^Event/), event);
  await second.getByLabel("Times, for condition 2").fill("2");
  await choose(page, second.getByLabel("When, for condition 2"), "in the last");
  await expect(second.getByLabel("Span of condition 2")).toHaveValue("30d");

  // The YAML beside the builder says the same.
  const yaml = page.getByTestId("yaml-editor").locator(".cm-content");
  const built = { all: [{ trait, op: "exists" }, { event, count: { at_least: 2 }, window: { last: "30d" } }] };
  await expect.poll(async () => (parse(await yaml.innerText()) as { condition: unknown }).condition).toEqual(built);

  // The live count is the API's preview of what was built.
  const preview = await page.request.post("/api/v1/segments/preview", {
    data: { condition: built },
    headers: { Authorization: `Bearer ${server.admin_token}` },
  });
  expect(preview.status(), await preview.text()).toBe(200);
  const expected = ((await preview.json()) as { count: number }).count;
  expect(expected).toBeGreaterThan(0);
  const live = page.getByTestId("live-count");
  await expect.poll(() => number(live)).toBe(expected);
  await picture(page, testInfo, "segment-builder");

  await page.getByRole("button", { name: "Create segment" }).click();
  await expect(page).toHaveURL(new RegExp(`/segments/${key}$`));
  await expect(page.getByText("Live", { exact: true })).toBeVisible({ timeout: 30_000 });

  const answer = await page.request.get(`/api/v1/segments/${key}/count`);
  expect(answer.status(), await answer.text()).toBe(200);
  const count = ((await answer.json()) as { count: number }).count;
  expect(count).toBe(expected);
  await expect.poll(() => number(page.getByTestId("saved-count"))).toBe(count);
  await expect.poll(() => number(live)).toBe(count);

  // What was saved is what the YAML shows.
  const saved = await page.request.get(`/api/v1/segments/${key}`);
  const definition = ((await saved.json()) as { definition: unknown }).definition;
  expect(parse(await yaml.innerText())).toEqual(definition);
  expect(definition).toEqual({ key, name, condition: built });

  // Membership over time ends with today's count, in its table too.
  await page.getByRole("button", { name: "Show as table" }).click();
  const lastRow = page.getByRole("region", { name: `Members of ${name} per day` }).getByRole("row").last();
  await expect(lastRow.getByRole("cell").last()).toHaveText(String(count));
});

test("A mistake in the YAML or the conditions is shown where it is", async ({ page, server }) => {
  await signIn(page, server.owner);
  await page.goto("/segments/at-risk-customers");
  await settled(page);
  const editor = page.getByTestId("yaml-editor").locator(".cm-content");
  await editor.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText("key: at-risk-customers\nname: At risk\ncondition:\n  all:\n    - event: Order Completed\n      window: {last: 1 day}\n");
  await expect(page.getByTestId("condition-0").getByRole("alert")).toContainText("is not a duration");
  await expect(page.getByText(/^Line 6:/)).toBeVisible();
  await page.keyboard.insertText("  - [");
  await expect(page.getByRole("alert").filter({ hasText: "The builder keeps the last version that read well" })).toBeVisible();
  await page.getByRole("button", { name: "Discard changes" }).click();
  await expect(page.getByTestId("condition-0").getByRole("alert")).toHaveCount(0);
});

test("A viewer reads segments and computed traits but cannot change them", async ({ page, server }) => {
  await signIn(page, server.viewer);
  await page.goto("/segments");
  await settled(page);
  await expect(page.getByRole("button", { name: "New segment" })).toHaveCount(0);
  await page.goto("/segments/at-risk-customers");
  await settled(page);
  await expect(page.getByText("Your role can read segments but not change them.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Save" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Add a condition/ })).toHaveCount(0);
  await expect(page.getByRole("textbox", { name: "Name", exact: true })).toHaveAttribute("readonly", "");
  await page.goto("/computed-traits");
  await settled(page);
  await expect(page.getByRole("button", { name: "New computed trait" })).toHaveCount(0);
});

test("A computed trait's values show as bars whose table is the API's answer", async ({ page, server }) => {
  await signIn(page, server.owner);
  const answer = await page.request.get("/api/v1/computed-traits/last_viewed_product/distribution");
  expect(answer.status(), await answer.text()).toBe(200);
  const found = (await answer.json()) as { kind: string; values: { value: string; profiles: number }[]; other: number };
  expect(found.kind).toBe("categorical");
  expect(found.values.length).toBeGreaterThan(0);
  const expected = found.values.map(({ value, profiles }) => [value, profiles.toLocaleString("en")]);
  if (found.other > 0) expected.push(["Other values", found.other.toLocaleString("en")]);

  await page.goto("/computed-traits/last_viewed_product");
  await settled(page);
  const card = page.locator(".mantine-Card-root").filter({ has: page.getByRole("heading", { name: "Values", exact: true }) });
  await expect(card.getByRole("img", { name: /^Most held values of/ })).toBeVisible();
  await card.getByRole("button", { name: "Show as table" }).click();
  const rows = card.getByRole("region", { name: /^Profiles of .* by value$/ }).locator("tbody tr");
  await expect(rows).toHaveCount(expected.length);
  const shown = await rows.evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent ?? "")));
  expect(shown).toEqual(expected);
});
