import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { APIRequestContext, Browser, Locator, Page } from "@playwright/test";
import { expect, picture, settled, signIn, test } from "./fixtures";

type Message = { status: string; reason: string | null; channel: string };

const admin = (token: string) => ({ Authorization: `Bearer ${token}` });

async function choose(page: Page, select: Locator, option: string) {
  await select.click();
  await page.getByRole("option", { name: option, exact: true }).click();
}

/** The messages of a journey, oldest first. */
async function messagesOf(request: APIRequestContext, token: string, journey: string): Promise<Message[]> {
  const answer = await request.get(`/api/v1/messages?journey=${journey}&limit=50`, { headers: admin(token) });
  expect(answer.status(), await answer.text()).toBe(200);
  return ((await answer.json()) as { items: Message[] }).items.toReversed();
}

/** The text of the newest message in the installation's mailbox sent to `to`, once it is there. */
async function mailTo(mailbox: string, to: string): Promise<string> {
  let found = "";
  await expect
    .poll(
      () => {
        const texts = readdirSync(mailbox)
          .filter((name) => name.endsWith(".eml"))
          .sort()
          .map((name) => readFileSync(join(mailbox, name), "utf8"));
        found = texts.filter((text) => new RegExp(`^To: .*${to.replace(/[.+]/g, "\\$&")}`, "mi").test(text)).at(-1) ?? "";
        return found !== "";
      },
      { message: `an e-mail to ${to}`, timeout: 15_000 },
    )
    .toBe(true);
  // Quoted-printable: soft line breaks and =XX escapes.
  return found.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** A new member of the default workspace with `role`, invited by the API and signed in,
 * in a browser context of their own; the CSRF token their changes carry. */
async function newMember(browser: Browser, request: APIRequestContext, token: string, mailbox: string, role: string) {
  const email = `${role}.${Date.now().toString(36)}@baton.example`;
  const invited = await request.post("/api/v1/invitations", { headers: admin(token), data: { email, role } });
  expect(invited.status(), await invited.text()).toBe(201);
  const link = (await mailTo(mailbox, email)).match(/\/invite\?token=([\w.~-]+)/)?.[1] ?? "";
  const context = await browser.newContext();
  const password = `${role}-${Date.now()}-long-passphrase`;
  const accepted = await context.request.post("/api/v1/auth/invitation", { data: { token: link, password, name: `E2E ${role}` } });
  expect(accepted.status(), await accepted.text()).toBe(200);
  const { csrf_token } = (await (await context.request.get("/api/v1/auth/me")).json()) as { csrf_token: string };
  return { context, email, headers: { "X-CSRF-Token": csrf_token } };
}

test("a person changes a frequency cap and sees the next messages obey it", async ({ page, request, server }, testInfo) => {
  test.setTimeout(120_000);
  const stamp = Date.now().toString(36);
  const capName = `email-daily-${stamp}`;
  const before = await request.get("/api/v1/policy", { headers: admin(server.admin_token) });
  expect(before.status()).toBe(200);
  const original: unknown = await before.json();
  await signIn(page, server.owner);

  try {
    await test.step("the owner sets e-mail to at most 1 a day in the console", async () => {
      await page.goto("/settings?tab=policy");
      await settled(page);
      const form = page.getByRole("form", { name: "Frequency caps and quiet hours" });
      await form.getByRole("button", { name: "Add a cap" }).click();
      const row = form.getByTestId("caps").getByRole("row").last();
      await row.getByRole("textbox", { name: /^Name of cap/ }).fill("Daily mail");
      await row.getByRole("textbox", { name: /^At most/ }).fill("0");
      await form.getByRole("button", { name: "Save policy" }).click();
      // Wrong values are named beside their inputs, and nothing is saved.
      await expect(row.getByText("Lower-case letters, digits, - and _, starting with a letter or digit.")).toBeVisible();
      await expect(row.getByText("A whole number from 1 to 10000.")).toBeVisible();

      await row.getByRole("textbox", { name: /^Name of cap/ }).fill(capName);
      await row.getByRole("textbox", { name: /^At most/ }).fill("1");
      await row.getByRole("textbox", { name: /^Per period/ }).fill("1d");
      await choose(page, row.getByRole("combobox", { name: /^Channel, cap/ }), "E-mail");
      await form.getByRole("button", { name: "Save policy" }).click();
      await expect(page.getByText("Policy saved")).toBeVisible();
      const saved = (await (await request.get("/api/v1/policy", { headers: admin(server.admin_token) })).json()) as { caps: { name: string }[] };
      expect(saved.caps).toContainEqual({ name: capName, max: 1, per: "1d", channel: "email" });
      await picture(page, testInfo, "settings-policy-cap");
    });

    await test.step("a journey e-mails a customer on each event: the first goes, the second is held by the cap", async () => {
      const key = `cap-check-${stamp}`;
      const event = `Cap Check ${stamp}`;
      const journey = {
        key,
        name: `Cap check ${stamp}`,
        trigger: { event },
        start: "send",
        nodes: { send: { type: "message", channel: "email", template: "cart-reminder", next: "done" }, done: { type: "exit" } },
      };
      const saved = await request.put(`/api/v1/journeys/${key}`, { headers: admin(server.admin_token), data: journey });
      expect(saved.status(), await saved.text()).toBeLessThan(300);
      const published = await request.post(`/api/v1/journeys/${key}/publish`, { headers: admin(server.admin_token), data: {} });
      expect(published.status(), await published.text()).toBe(200);

      const tracking = { Authorization: `Basic ${Buffer.from(`${server.write_key}:`).toString("base64")}` };
      const userId = `cap-${stamp}`;
      const identify = await request.post("/v1/identify", { headers: tracking, data: { userId, traits: { email: `cap.${stamp}@example.com`, firstName: "Casey" } } });
      expect(identify.status(), await identify.text()).toBe(200);
      for (const round of [1, 2]) {
        const track = await request.post("/v1/track", { headers: tracking, data: { userId, event, properties: { round } } });
        expect(track.status(), await track.text()).toBe(200);
        await expect
          .poll(async () => (await messagesOf(request, server.admin_token, key)).filter((m) => m.status !== "pending" && m.status !== "sending").length, {
            timeout: 30_000,
          })
          .toBe(round);
      }
      const messages = await messagesOf(request, server.admin_token, key);
      expect(messages.map((m) => [m.status, m.reason])).toEqual([
        ["delivered", null],
        ["skipped", `cap:${capName}`],
      ]);
    });
  } finally {
    const restored = await request.put("/api/v1/policy", { headers: admin(server.admin_token), data: original });
    expect(restored.status(), await restored.text()).toBe(200);
  }
});

test("adds a user with a role and checks, logged in as that user, that what the role may not do is not offered", async ({ page, browser, server }, testInfo) => {
  const stamp = Date.now().toString(36);
  const email = `analyst.${stamp}@baton.example`;
  await signIn(page, server.owner);

  await test.step("the owner invites an analyst from the People tab", async () => {
    await page.goto("/settings?tab=people");
    await settled(page);
    const form = page.getByRole("form", { name: "Invite someone" });
    await form.getByRole("textbox", { name: "E-mail" }).fill(email);
    await choose(page, form.getByRole("combobox", { name: "Role" }), "Analyst");
    await form.getByRole("button", { name: "Send the invitation" }).click();
    await expect(page.getByRole("status").filter({ hasText: `Invitation sent to ${email}` })).toBeVisible();
    const waiting = page.getByRole("region", { name: "Invitations waiting" });
    await expect(waiting.getByRole("row", { name: new RegExp(email) })).toContainText("Analyst");
    await picture(page, testInfo, "settings-people-invited");
  });

  const link = (await mailTo(server.mailbox, email)).match(/https?:\/\/\S+\/invite\?token=[\w.~-]+/)?.[0];
  expect(link, "the invitation e-mail holds its link").toBeTruthy();

  const context = await browser.newContext();
  const invited = await context.newPage();
  try {
    await test.step("the analyst accepts through the link and is signed in", async () => {
      await invited.goto(link ?? "");
      await invited.getByRole("textbox", { name: "Your name" }).fill("Ana Lyst");
      const password = `Analyst-${stamp}-passphrase`;
      await invited.getByRole("textbox", { name: /^Password/ }).fill(password);
      await invited.getByRole("textbox", { name: /^Repeat the password/ }).fill(password);
      await invited.getByRole("button", { name: "Accept and join" }).click();
      await expect(invited).not.toHaveURL(/\/invite/);
      await settled(invited);
    });

    await test.step("what an analyst may not do is not offered", async () => {
      await invited.goto("/journeys/cart-abandonment");
      await settled(invited);
      await expect(invited.getByRole("button", { name: "Publish" })).toHaveCount(0);
      await invited.goto("/journeys");
      await settled(invited);
      await expect(invited.getByRole("button", { name: "New journey" })).toHaveCount(0);
      await invited.goto("/settings?tab=keys");
      await settled(invited);
      const tabs = invited.getByRole("tab");
      await expect(tabs).toHaveText(["Workspace", "Messaging policy"]);
      await expect(invited.getByRole("form", { name: "Frequency caps and quiet hours" })).toHaveCount(0);
      await expect(invited.getByRole("textbox", { name: "Name" })).toHaveCount(0);
      await invited.getByRole("tab", { name: "Messaging policy" }).click();
      await expect(invited.getByRole("heading", { name: "Frequency caps" })).toBeVisible();
      await expect(invited.getByRole("button", { name: "Save policy" })).toHaveCount(0);
      await picture(invited, testInfo, "settings-as-analyst");
    });

    await test.step("and the API refuses it too", async () => {
      const me = (await (await invited.request.get("/api/v1/auth/me")).json()) as { csrf_token: string; workspace: { role: string } };
      expect(me.workspace.role).toBe("analyst");
      const headers = { "X-CSRF-Token": me.csrf_token };
      for (const [method, path, data] of [
        ["POST", "/api/v1/keys", { kind: "admin" }],
        ["PUT", "/api/v1/policy", { caps: [] }],
        ["POST", "/api/v1/journeys/cart-abandonment/publish", {}],
        ["POST", "/api/v1/invitations", { email: `x.${stamp}@baton.example`, role: "owner" }],
      ] as const) {
        const answer = await invited.request.fetch(path, { method, data, headers });
        expect(answer.status(), `${method} ${path}: ${await answer.text()}`).toBe(403);
      }
    });
  } finally {
    await context.close();
  }
});

test("the owner makes a key, sees it once, and revokes it", async ({ page, request, server }, testInfo) => {
  await signIn(page, server.owner);
  await page.goto("/settings?tab=keys");
  await settled(page);
  const form = page.getByRole("form", { name: "Make a key" });
  await choose(page, form.getByRole("combobox", { name: "Role" }), "Analyst");
  await form.getByRole("button", { name: "Make the key" }).click();
  const secret = await page.getByTestId("new-key").inputValue();
  expect(secret.length).toBeGreaterThan(20);
  const hint = secret.slice(-4);
  const works = await request.get("/api/v1/policy", { headers: admin(secret) });
  expect(works.status(), await works.text()).toBe(200);
  await picture(page, testInfo, "settings-key-made");

  await page.getByRole("button", { name: "Hide the key" }).click();
  await expect(page.getByTestId("new-key")).toHaveCount(0);
  await expect(page.getByText(secret)).toHaveCount(0);
  await page.getByRole("button", { name: `Revoke the key ending ${hint}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("button", { name: `Revoke the key ending ${hint}` })).toHaveCount(0);
  const refused = await request.get("/api/v1/policy", { headers: admin(secret) });
  expect(refused.status()).toBe(401);

  await page.getByRole("tab", { name: "Audit trail" }).click();
  await expect(page).toHaveURL(/tab=audit/);
  // The changes come first; signing in and out is there on demand.
  const trail = page.getByRole("region", { name: "Audit trail entries" }).getByRole("row");
  await expect(trail.filter({ hasText: "key revoke" }).first()).toBeVisible();
  await expect(trail.filter({ hasText: "login" })).toHaveCount(0);
  await page.getByRole("switch", { name: "Show signing in and out" }).click();
  await expect(trail.filter({ hasText: "login" }).first()).toBeVisible();
  const filter = page.getByRole("form", { name: "Filter the audit trail" });
  await filter.getByRole("textbox", { name: "Action" }).fill("key.revoke");
  const today = new Date().toISOString().slice(0, 10);
  await filter.getByLabel("From").fill(today);
  await filter.getByLabel("To").fill(today);
  await filter.getByRole("button", { name: "Filter" }).click();
  const entries = page.getByRole("region", { name: "Audit trail entries" }).getByRole("row");
  await expect(entries.nth(1)).toContainText("key revoke");
  await expect(entries.filter({ hasNotText: "key revoke" })).toHaveCount(1); // the header row alone
  await picture(page, testInfo, "settings-audit-filtered");
});

test("an owner approves a marketer's publish from the Approvals tab", async ({ page, browser, request, server }, testInfo) => {
  const stamp = Date.now().toString(36);
  const key = `needs-approval-${stamp}`;
  const marketer = await newMember(browser, request, server.admin_token, server.mailbox, "marketer");
  const approvals = (require_approval: string[]) => request.patch("/api/v1/workspace", { headers: admin(server.admin_token), data: { require_approval } });
  expect((await approvals(["journeys"])).status()).toBe(200);
  try {
    const journey = { key, name: `Needs approval ${stamp}`, trigger: { event: `Approval ${stamp}` }, start: "done", nodes: { done: { type: "exit" } } };
    const saved = await marketer.context.request.put(`/api/v1/journeys/${key}`, { headers: marketer.headers, data: journey });
    expect(saved.status(), await saved.text()).toBeLessThan(300);
    const held = await marketer.context.request.post(`/api/v1/journeys/${key}/publish`, { headers: marketer.headers, data: {} });
    expect(held.status(), await held.text()).toBe(202);

    await signIn(page, server.owner);
    await page.goto("/settings?tab=approvals");
    await settled(page);
    await page.getByRole("button", { name: new RegExp(`Journey ${key}`) }).click();
    await expect(page.getByRole("region", { name: `Changes of ${key}` })).toBeVisible();
    await page.getByRole("textbox", { name: "Comment (optional)" }).fill("Looks right.");
    await picture(page, testInfo, "settings-approvals-pending");
    await page.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByText("Nothing is waiting for approval.")).toBeVisible();
    const published = (await (await request.get(`/api/v1/journeys/${key}`, { headers: admin(server.admin_token) })).json()) as { status: string };
    expect(published.status).toBe("published");
  } finally {
    expect((await approvals([])).status()).toBe(200);
    await marketer.context.close();
  }
});

test("a channel's settings form names what is wrong beside its input", async ({ page, server }, testInfo) => {
  await signIn(page, server.owner);
  await page.goto("/settings?tab=channels");
  await settled(page);
  await page.getByRole("button", { name: "Set up E-mail" }).click();
  const form = page.getByRole("form", { name: "E-mail provider" });
  await form.getByRole("textbox", { name: /^SMTP server/ }).fill("mail.example.com");
  await form.getByRole("textbox", { name: /^Sender/ }).fill("news@acme.example");
  await form.getByRole("textbox", { name: /^Address of Baton for links/ }).fill("https://baton.acme.example");
  await form.getByRole("button", { name: "Save E-mail" }).click();
  await expect(form.getByRole("textbox", { name: /^SMTP server/ })).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByText("SMTP server must look like smtp://user:password@smtp.example.com:587.")).toBeVisible();
  await picture(page, testInfo, "settings-channel-error");
  await form.getByRole("button", { name: "Cancel" }).click();
  await expect(form).toHaveCount(0);
});
