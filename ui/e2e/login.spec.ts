import { expect, settled, signIn, test } from "./fixtures";
import type { Page } from "@playwright/test";
import type { Person } from "./servers";

async function fillLogin(page: Page, email: string, password: string) {
  await page.getByRole("textbox", { name: "E-mail" }).fill(email);
  await page.getByRole("textbox", { name: "Password" }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("a person signs in, sees their workspace, and signs out", async ({ page, server }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/login\?next=%2F$/);
  await expect(page.getByRole("heading", { name: "Sign in to Baton" })).toBeVisible();

  await fillLogin(page, server.owner.email, "not-the-password");
  await expect(page.getByRole("alert")).toContainText(/the e-mail address or the password is wrong/i);
  await expect(page).toHaveURL(/\/login/);

  await fillLogin(page, server.owner.email, server.owner.password);
  await expect(page).toHaveURL(/\/$/);
  await settled(page);
  await expect(page.getByRole("banner")).toContainText("Default");
  await expect(page.getByRole("navigation").getByRole("link", { name: "Home" })).toBeVisible();

  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/journeys");
  await expect(page).toHaveURL(/\/login\?next=%2Fjourneys$/);
});

test("a deep link opened while signed out comes back after signing in", async ({ page, server }) => {
  await page.goto("/journeys/cart-abandonment");
  await expect(page).toHaveURL(/\/login\?next=%2Fjourneys%2Fcart-abandonment$/);
  await fillLogin(page, server.owner.email, server.owner.password);
  await expect(page).toHaveURL(/\/journeys\/cart-abandonment$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Cart abandonment");
});

/** What a page offers a person: its sections and the actions on one journey. */
async function offered(page: Page, person: Person) {
  await signIn(page, person);
  await page.goto("/journeys");
  await settled(page);
  const sections = await page.getByRole("navigation").getByRole("link").allTextContents();
  const newJourney = await page.getByRole("button", { name: /new journey/i }).count();
  await page.goto("/journeys/cart-abandonment");
  await settled(page);
  const publishing = await page.getByRole("button", { name: /^(publish|pause)/i }).count();
  const palette = await page.getByTestId("palette-message").count();
  await page.goto("/settings");
  await settled(page);
  const users = await page.getByRole("tab", { name: /people|users|team/i }).count();
  return { sections, newJourney, publishing, palette, users };
}

test("a viewer is not offered what their role may not do", async ({ browser, server }) => {
  const owner = await browser.newPage();
  const viewer = await browser.newPage();
  const asOwner = await offered(owner, server.owner);
  const asViewer = await offered(viewer, server.viewer);

  // The owner is offered each of these, so their absence for the viewer means something.
  expect(asOwner.sections).toContain("Profiles");
  expect(asOwner.newJourney).toBe(1);
  expect(asOwner.publishing).toBeGreaterThan(0);
  expect(asOwner.palette).toBe(1);
  expect(asOwner.users).toBe(1);

  expect(asViewer.sections).toContain("Journeys");
  expect(asViewer.sections).not.toContain("Profiles");
  expect(asViewer.newJourney).toBe(0);
  expect(asViewer.publishing).toBe(0);
  expect(asViewer.palette).toBe(0);
  expect(asViewer.users).toBe(0);
  await owner.close();
  await viewer.close();
});
