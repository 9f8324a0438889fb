import { test as base, expect, type Page, type TestInfo } from "@playwright/test";
import { join } from "node:path";
import { readState, type Person, type ServerState } from "./servers";

/** Where the tests leave a picture of each page, per project (gitignored). */
export const SCREENSHOTS = join(import.meta.dirname, "screenshots");

/** The tests' `test`: with the server of the test's project (its users and keys). */
export const test = base.extend<object, { server: ServerState }>({
  server: [
    async ({}, use, workerInfo) => {
      await use(readState(workerInfo.project.name));
    },
    { scope: "worker" },
  ],
});

export { expect };

/** Signs the page's browser context in through the API, as the login form does. */
export async function signIn(page: Page, person: Person): Promise<void> {
  const answer = await page.request.post("/api/v1/auth/login", { data: { email: person.email, password: person.password } });
  expect(answer.status(), await answer.text()).toBe(200);
}

/** Waits until the page shows its heading and no spinner (Mantine's Loader, whatever its
 * label) or busy placeholder (a skeleton marked aria-busy) is left: nothing is still
 * loading. On a slow machine axe would otherwise judge a page half drawn. */
export async function settled(page: Page): Promise<void> {
  // Longer than other expectations: right after start the demo's server trains its models
  // on the same two cores, and a page's first data can then take well over ten seconds.
  await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => page.locator(".mantine-Loader-root, [aria-busy=true]").filter({ visible: true }).count(), { timeout: 30_000 }).toBe(0);
}

/** A full-page picture of what the page shows now: screenshots/<project>/<name>.png. */
export async function picture(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, testInfo.project.name, `${name}.png`), fullPage: true, animations: "disabled" });
}

/** A new journey's empty builder, opened from the journey list's dialog: `key` is the one
 * the dialog makes of `name`, and `event` starts the journey. */
export async function openNewJourney(page: Page, name: string, key: string, event: string): Promise<void> {
  await page.goto("/journeys");
  await settled(page);
  await page.getByRole("button", { name: "New journey" }).click();
  const dialog = page.getByRole("dialog", { name: "New journey" });
  await dialog.getByRole("textbox", { name: "Name" }).fill(name);
  await expect(dialog.getByRole("textbox", { name: "Key" })).toHaveValue(key);
  await dialog.getByRole("textbox", { name: "Event that starts it" }).fill(event);
  await dialog.getByRole("button", { name: "Open the builder" }).click();
  await expect(page).toHaveURL(new RegExp(`/journeys/${key}`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
}
