import type { Locator, Page } from "@playwright/test";
import { expect, openNewJourney, picture, settled, signIn, test } from "./fixtures";

// The whole flow waits for a real timer (the wait's timeout) and the live counts.
test.setTimeout(150_000);

async function box(locator: Locator) {
  const found = await locator.boundingBox();
  if (!found) throw new Error(`${locator.toString()} is not on the screen`);
  return found;
}

/** A point of the canvas's empty background (no step, control or legend there), to pan by. */
async function emptySpot(page: Page, area: { x: number; y: number; width: number; height: number }) {
  for (let y = area.y + area.height / 2; y < area.y + area.height - 20; y += 40) {
    for (const x of [area.x + 30, area.x + area.width / 4]) {
      const pane = await page.evaluate((point) => document.elementFromPoint(point.x, point.y)?.classList.contains("react-flow__pane") ?? false, { x, y });
      if (pane) return { x, y };
    }
  }
  throw new Error("no empty spot on the canvas to drag it by");
}

/** Drags a palette item onto the canvas, a little below `anchor` and `dx` pixels aside;
 * first pans the canvas up, by dragging an empty spot, when there is no room below. */
async function dropBelow(page: Page, type: string, anchor: Locator, dx: number) {
  const canvas = page.getByLabel("Journey canvas");
  const area = await box(canvas);
  const bottom = Math.min(area.y + area.height, page.viewportSize()?.height ?? Infinity) - 70;
  const before = await box(anchor);
  const short = before.y + before.height + 90 - bottom;
  if (short > 0) {
    const spot = await emptySpot(page, area);
    await page.mouse.move(spot.x, spot.y);
    await page.mouse.down();
    await page.mouse.move(spot.x, spot.y - short, { steps: 8 });
    await page.mouse.up();
  }
  const node = await box(anchor);
  const targetPosition = { x: node.x + node.width / 2 + dx - area.x, y: node.y + node.height + 90 - area.y };
  await page.getByTestId(`palette-${type}`).dragTo(canvas, { targetPosition });
}

/** Connects a way out of a step to another step, by dragging between their handles. */
async function connect(page: Page, from: Locator, to: Locator) {
  const start = await box(from);
  const end = await box(to);
  await page.mouse.move(start.x + start.width / 2, start.y + start.height / 2);
  await page.mouse.down();
  await page.mouse.move(end.x + end.width / 2, end.y + end.height / 2, { steps: 12 });
  await page.mouse.up();
}

const wayInto = (page: Page, id: string) => page.getByTestId(`node-${id}`).getByRole("img", { name: `Way into ${id}` });

async function choose(page: Page, select: Locator, option: string | RegExp) {
  await select.click();
  await page.getByRole("option", { name: option }).click();
}

test("a marketer builds the cart-abandonment journey by mouse, publishes it, and follows a customer through it", async ({ page, request, server }, testInfo) => {
  const stamp = Date.now().toString(36);
  const customer = { userId: `e2e-${stamp}`, email: `robin.${stamp}@example.com`, firstName: "Robin" };
  const name = `Cart rescue ${stamp}`;
  const key = `cart-rescue-${stamp}`;
  await signIn(page, server.owner);

  await test.step("name a new journey and open an empty canvas", async () => {
    await openNewJourney(page, name, key, "Product Added");
    await expect(page.locator('[data-testid^="node-"]')).toHaveCount(1); // the trigger alone
  });

  await test.step("drag the steps from the palette and fill them in", async () => {
    await dropBelow(page, "wait_for_event", page.getByTestId("node-trigger"), 0);
    await expect(page.getByTestId("node-wait_for")).toBeVisible();
    const panel = page.getByTestId("side-panel");
    await expect(panel.getByRole("heading", { name: "wait_for" })).toBeVisible();
    await panel.getByTestId("field-event").fill("Order Completed");
    await panel.getByRole("textbox", { name: "Match the trigger's value (optional)" }).fill("properties.cart_id");
    await panel.getByRole("textbox", { name: "Wait at most" }).fill("15s");

    await dropBelow(page, "message", page.getByTestId("node-wait_for"), -130);
    await expect(page.getByTestId("node-email")).toBeVisible();
    await expect(panel.getByRole("heading", { name: "email" })).toBeVisible();
    await choose(page, panel.getByTestId("field-template"), /\(cart-reminder\)$/);

    await dropBelow(page, "exit", page.getByTestId("node-email"), 150);
    await expect(page.getByTestId("node-exit")).toBeVisible();
  });

  await test.step("connect the steps by dragging between their handles", async () => {
    await page.getByRole("button", { name: "Close the panel" }).click();
    await connect(page, page.getByTestId("handle-wait_for-timeout_next"), wayInto(page, "email"));
    await connect(page, page.getByTestId("handle-wait_for-next"), wayInto(page, "exit"));
    await connect(page, page.getByTestId("handle-email-next"), wayInto(page, "exit"));
    await expect(page.getByTestId("edge-wait_for-timeout_next")).toBeVisible();
    await expect(page.getByTestId("edge-wait_for-next")).toBeVisible();
    await expect(page.getByTestId("edge-email-next")).toBeVisible();
    await expect(page.getByTestId("problem-count")).toHaveCount(0);
  });

  await test.step("save and publish", async () => {
    await page.getByRole("button", { name: "Save draft" }).click();
    await expect(page.getByText("Draft saved.")).toBeVisible();
    await page.getByRole("button", { name: "Publish" }).click();
    await page.getByRole("dialog", { name: "Publish this journey?" }).getByRole("button", { name: "Publish" }).click();
    await expect(page.getByText("New entries now follow this version.")).toBeVisible();
    const saved = await page.request.get(`/api/v1/journeys/${key}`);
    const journey = (await saved.json()) as { status: string; definition: unknown };
    expect(journey.status).toBe("published");
    expect(journey.definition).toEqual({
      key,
      name,
      trigger: { event: "Product Added" },
      start: "wait_for",
      nodes: {
        wait_for: { type: "wait_for_event", event: "Order Completed", correlate: "properties.cart_id", timeout: "15s", next: "exit", timeout_next: "email" },
        email: { type: "message", channel: "email", template: "cart-reminder", next: "exit" },
        exit: { type: "exit" },
      },
    });
  });

  let profile = "";
  await test.step("a customer adds to cart through the tracking API, and the live counts move", async () => {
    const auth = { Authorization: `Basic ${Buffer.from(`${server.write_key}:`).toString("base64")}` };
    const identify = await request.post("/v1/identify", {
      headers: auth,
      data: { userId: customer.userId, traits: { email: customer.email, firstName: customer.firstName } },
    });
    expect(identify.status(), await identify.text()).toBe(200);
    const track = await request.post("/v1/track", {
      headers: auth,
      data: { userId: customer.userId, event: "Product Added", properties: { cart_id: `cart-${stamp}`, price: 42 } },
    });
    expect(track.status(), await track.text()).toBe(200);

    const waiting = page.getByTestId("node-wait_for");
    await expect(waiting).toContainText("1 entered", { timeout: 20_000 });
    await expect(waiting).toContainText("1 waiting");
    await waiting.click();
    const person = page.getByTestId("side-panel").locator('a[href^="/profiles/"]');
    await expect(person).toBeVisible();
    profile = (await person.getAttribute("href")) ?? "";
    expect(profile).toMatch(/^\/profiles\/prof_/);

    // The wait times out after 15 s: the reminder goes, and the customer leaves.
    await expect(page.getByTestId("node-email")).toContainText("1 entered", { timeout: 40_000 });
    await expect(page.getByTestId("node-exit")).toContainText("1 exited", { timeout: 20_000 });
    await expect(waiting).toContainText("0 waiting");
    await page.getByRole("button", { name: "Close the panel" }).click();
    await page.getByRole("button", { name: "Zoom to fit" }).click();
    await page.mouse.move(0, 0); // no tooltip in the picture
    await page.waitForTimeout(400); // the view glides to fit over 300 ms
    await picture(page, testInfo, "journey-built-live");
  });

  await test.step("profile 360 tells why the customer got the reminder", async () => {
    await page.goto(profile);
    await settled(page);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(customer.firstName);
    await page.getByRole("tab", { name: "Journeys" }).click();
    await expect(page.getByRole("link", { name: key })).toBeVisible();
    await expect(page.getByTestId(`why-${key}`)).toContainText("The e-mail “cart-reminder” was sent at the step “email” on");
    await picture(page, testInfo, "profile-why");
  });

  await test.step("edit the message step and preview it for that customer", async () => {
    await page.goto(`/journeys/${key}`);
    await settled(page);
    await page.getByTestId("node-email").click();
    const panel = page.getByTestId("side-panel");
    await choose(page, panel.getByTestId("field-template"), /\(cart-reminder-incentive\)$/);
    await expect(page.getByText("unsaved changes")).toBeVisible();
    const picker = panel.getByRole("combobox", { name: "Customer" });
    await picker.fill(customer.email);
    await page.getByRole("option", { name: new RegExp(customer.email) }).click();
    const preview = panel.getByTestId("message-preview");
    await expect(preview).toContainText("Still thinking? Here is COMEBACK10 for your cart");

    await choose(page, panel.getByTestId("field-template"), /\(cart-reminder\)$/);
    await expect(preview).toContainText(`${customer.firstName}, your cart is waiting`);
    await preview.scrollIntoViewIfNeeded();
    await picture(page, testInfo, "journey-message-preview");
  });
});
