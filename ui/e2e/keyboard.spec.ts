import type { Locator, Page } from "@playwright/test";
import { expect, openNewJourney, picture, signIn, test } from "./fixtures";

/* The journey canvas used by the keyboard alone, once a new journey's builder is open: a
 * step added from the palette, focus moved to a step with Tab, its settings opened with
 * Enter and changed, the change undone and redone, a step deleted with Delete. */

/** Presses Tab (or Shift+Tab) until `target` has the focus; fails, naming what the focus
 * went through, when it is not reached within `most` presses. Answers the presses. */
async function tabTo(page: Page, target: Locator, { back = false, most = 80 } = {}): Promise<number> {
  await target.waitFor({ state: "attached" });
  const visited: string[] = [];
  for (let presses = 0; presses <= most; presses++) {
    if (await target.evaluate((element) => element === document.activeElement)) return presses;
    await page.keyboard.press(back ? "Shift+Tab" : "Tab");
    visited.push(
      await page.evaluate(() => {
        const element = document.activeElement;
        if (!element || element === document.body) return "body";
        const name = element.getAttribute("aria-label") ?? element.getAttribute("data-testid") ?? element.textContent?.trim().slice(0, 30) ?? "";
        return `${element.tagName.toLowerCase()}(${name})`;
      }),
    );
  }
  throw new Error(`${target.toString()} was not reached by ${back ? "Shift+Tab" : "Tab"} in ${most} presses; the focus went to:\n${visited.join("\n")}`);
}

/** The steps on the canvas, by their test ids, in the order the page holds them. */
async function stepsShown(page: Page): Promise<string[]> {
  return page.locator('.react-flow__node[data-testid^="node-"]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-testid") ?? ""));
}

test("a marketer adds, opens, edits, undoes, redoes and deletes steps on the canvas with the keyboard alone", async ({ page, server }, testInfo) => {
  const stamp = Date.now().toString(36);
  const name = `Keyboard ${stamp}`;
  const key = `keyboard-${stamp}`;
  await signIn(page, server.owner);

  await test.step("open a new journey's builder", async () => {
    await openNewJourney(page, name, key, "Product Added");
    await expect.poll(() => stepsShown(page)).toEqual(["node-trigger"]);
  });

  const panel = page.getByTestId("side-panel");
  const waitFor = page.getByTestId("node-wait_for");
  const exit = page.getByTestId("node-exit");

  await test.step("Tab to the palette and add a step with Enter: it takes the focus, its settings open", async () => {
    await tabTo(page, page.getByTestId("palette-wait_for_event"));
    await page.keyboard.press("Enter");
    await expect.poll(() => stepsShown(page)).toEqual(["node-trigger", "node-wait_for"]);
    await expect(waitFor).toBeFocused();
    await expect(waitFor).toContainText("For an event");
    await expect(panel.getByRole("heading", { name: "wait_for" })).toBeVisible();
    // The trigger starts with it.
    await expect(page.getByTestId("handle-trigger-start")).toHaveAttribute("aria-label", "Start of the journey: wait_for");
  });

  await test.step("Shift+Tab back to the palette and add an exit after the selected step", async () => {
    await tabTo(page, page.getByTestId("palette-exit"), { back: true, most: 30 });
    await page.keyboard.press("Enter");
    await expect.poll(() => stepsShown(page)).toEqual(["node-trigger", "node-wait_for", "node-exit"]);
    await expect(exit).toBeFocused();
    await expect(panel.getByRole("heading", { name: "exit" })).toBeVisible();
    await expect(page.getByTestId("edge-wait_for-next")).toBeVisible();
  });

  await test.step("move the focus to the first step with Tab, and open it with Enter", async () => {
    await tabTo(page, waitFor, { back: true, most: 5 });
    // The focus alone opens nothing.
    await expect(panel.getByRole("heading", { name: "exit" })).toBeVisible();
    await page.keyboard.press("Enter");
    await expect(panel.getByRole("heading", { name: "wait_for" })).toBeVisible();
  });

  const event = panel.getByTestId("field-event");
  await test.step("Tab into the side panel and set the event to wait for", async () => {
    await tabTo(page, event, { most: 40 });
    await page.keyboard.type("Order Completed");
    await expect(event).toHaveValue("Order Completed");
    await expect(waitFor).toContainText("For Order Completed");
    await expect(page.getByText("unsaved changes")).toBeVisible();
  });

  await test.step("undo with Ctrl+Z and redo with Ctrl+Shift+Z and with Ctrl+Y, from the canvas", async () => {
    // A field keeps Ctrl+Z for its own text: back on the step, the canvas's history answers.
    await tabTo(page, waitFor, { back: true, most: 40 });
    await page.keyboard.press("Control+z");
    await expect(waitFor).toContainText("For an event");
    await expect(event).toHaveValue("");
    await page.keyboard.press("Control+Shift+z");
    await expect(waitFor).toContainText("For Order Completed");
    await expect(event).toHaveValue("Order Completed");
    await page.keyboard.press("Control+z");
    await expect(waitFor).toContainText("For an event");
    await page.keyboard.press("Control+y");
    await expect(waitFor).toContainText("For Order Completed");
    await expect.poll(() => stepsShown(page)).toEqual(["node-trigger", "node-wait_for", "node-exit"]);
  });

  await test.step("Tab to the exit, select it with Enter, and delete it with Delete", async () => {
    await tabTo(page, exit, { most: 5 });
    await page.keyboard.press("Enter");
    await expect(panel.getByRole("heading", { name: "exit" })).toBeVisible();
    await page.keyboard.press("Delete");
    await expect.poll(() => stepsShown(page)).toEqual(["node-trigger", "node-wait_for"]);
    await expect(page.getByTestId("edge-wait_for-next")).toHaveCount(0);
    await expect(panel).toHaveCount(0);
    // The deletion is undone and done again like any change.
    await page.keyboard.press("Control+z");
    await expect.poll(() => stepsShown(page)).toEqual(["node-trigger", "node-wait_for", "node-exit"]);
    await expect(page.getByTestId("edge-wait_for-next")).toBeVisible();
    await page.keyboard.press("Control+Shift+z");
    await expect.poll(() => stepsShown(page)).toEqual(["node-trigger", "node-wait_for"]);
    await picture(page, testInfo, "journey-keyboard-canvas");
  });

  await test.step("the YAML tab, reached by the keyboard, holds what the canvas shows", async () => {
    await tabTo(page, page.getByTestId("tab-canvas"));
    await page.keyboard.press("ArrowRight");
    await expect(page.getByTestId("tab-yaml")).toHaveAttribute("aria-selected", "true");
    const yaml = page.getByTestId("yaml-editor");
    await expect(yaml).toContainText("start: wait_for");
    await expect(yaml).toContainText("type: wait_for_event");
    await expect(yaml).toContainText("event: Order Completed");
    await expect(yaml).not.toContainText("type: exit");
    await expect(yaml).not.toContainText("next: exit");
  });
});
