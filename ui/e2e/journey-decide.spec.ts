import { expect, settled, signIn, test } from "./fixtures";

test("a marketer adds a next best action with price levels and a message sent at each person's best time", async ({ page, server }) => {
  const stamp = Date.now().toString(36);
  const key = `pricing-${stamp}`;
  await signIn(page, server.owner);
  await page.goto("/journeys");
  await settled(page);
  await page.getByRole("button", { name: "New journey" }).click();
  const dialog = page.getByRole("dialog", { name: "New journey" });
  await dialog.getByRole("textbox", { name: "Name" }).fill(`Pricing ${stamp}`);
  await dialog.getByRole("textbox", { name: "Event that starts it" }).fill("Product Viewed");
  await dialog.getByRole("button", { name: "Open the builder" }).click();
  await expect(page).toHaveURL(new RegExp(`/journeys/${key}`));

  const panel = page.getByTestId("side-panel");
  await test.step("the palette offers the decide node; its form edits levels and guardrails", async () => {
    // Added with the trigger selected, it goes below the trigger.
    await page.getByTestId("node-trigger").click();
    await page.getByTestId("palette-decide").click();
    await expect(page.getByTestId("node-decide")).toContainText("Best of 2 offers");
    await panel.getByText("Price levels").click();
    await expect(page.getByTestId("node-decide")).toContainText("Best of 2 price levels");
    await panel.getByRole("button", { name: "Add a price level" }).click();
    await panel.getByRole("textbox", { name: "Highest level (optional)" }).fill("20");
    await panel.getByRole("combobox", { name: "What it sees of each person (optional)" }).fill("plan");
    await panel.getByRole("combobox", { name: "What it sees of each person (optional)" }).press("Enter");
    await expect(page.getByTestId("node-decide")).toContainText("Best of 3 price levels by 1 trait");
    await expect(page.getByTestId("handle-decide-levels.2.next")).toBeVisible();
    await expect(page.getByTestId("handle-decide-no_offer_next")).toBeVisible();
  });

  await test.step("a message after it, sent at the best time for each person", async () => {
    await page.getByTestId("palette-message").click();
    // It takes the decide node's first free way out.
    await expect(page.getByTestId("handle-decide-levels.0.next")).toHaveAttribute("aria-label", "Way out of decide: offer_a, goes to email");
    await panel.getByTestId("field-template").click();
    await page.getByRole("option", { name: /\(cart-reminder\)$/ }).click();
    await panel.getByText("Best time for each person").click();
    await panel.getByTestId("field-max_delay").fill("12h");
    await panel.getByTestId("field-holdout").fill("5");
    await expect(page.getByTestId("node-email")).toContainText("at their best time");
  });

  await test.step("the decide node learns from the goal: the journey needs one", async () => {
    await expect(page.getByTestId("problem-count")).toBeVisible();
    await page.getByTestId("node-trigger").click();
    await expect(panel.getByText("The step decide learns from the journey's goal: give one")).toBeVisible();
    await panel.getByLabel("Goal", { exact: true }).click();
    await page.getByRole("option", { name: "An event" }).click();
    await panel.getByRole("textbox", { name: "Goal event", exact: true }).fill("Order Completed");
    await expect(page.getByTestId("problem-count")).toHaveCount(0);
  });

  await test.step("saved, the definition has every field", async () => {
    await page.getByRole("button", { name: "Save draft" }).click();
    await expect(page.getByText("Draft saved.")).toBeVisible();
    const saved = await page.request.get(`/api/v1/journeys/${key}`);
    const journey = (await saved.json()) as { definition: { nodes: Record<string, unknown> } };
    expect(journey.definition.nodes).toEqual({
      decide: {
        type: "decide",
        levels: [
          { key: "offer_a", level: 10, value: 10, next: "email" },
          { key: "offer_b", level: 20, value: 10 },
          { key: "level_3", level: 30, value: 10 },
        ],
        max_level: 20,
        context: ["plan"],
      },
      email: { type: "message", channel: "email", template: "cart-reminder", send_at: "best_time", max_delay: "12h", holdout: 0.05 },
    });
  });
});
