import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "./fixtures";

/* The browser script (/sdk/baton.js) on a sample shop page served from another origin, as
 * a customer's site would load it from the real `baton serve`. */

type Answer = { status: () => number; text: () => Promise<string>; json: () => Promise<unknown> };

let site: Server;
let siteUrl = "";
const pages = new Map<string, string>();

test.beforeAll(async () => {
  site = createServer((request, response) => {
    const page = pages.get((request.url ?? "/").split("?")[0] ?? "/");
    response.writeHead(page === undefined ? 404 : 200, { "Content-Type": "text/html; charset=utf-8" });
    response.end(page ?? "not found");
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  // `localhost`, not Baton's 127.0.0.1: another origin, so every call is cross-origin.
  siteUrl = `http://localhost:${(site.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise((resolve) => site.close(resolve));
});

async function ok(answer: Answer): Promise<unknown> {
  expect(answer.status(), await answer.text()).toBeLessThan(300);
  return answer.json();
}

/** A shop page with an inline placement and a pop-up, calling Baton.init with `options`. */
function shopPage(path: string, baton: string, options: Record<string, unknown>, keys: { inline: string; popup?: string }): string {
  const popup = keys.popup ? `<div data-baton-placement="${keys.popup}"></div>` : "";
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><main><h1>Shop</h1><button id="before">Menu</button>
<section data-baton-placement="${keys.inline}" data-testid="inline"></section>${popup}
<script src="${baton}/sdk/baton.js"></script>
<script>window.decided = Baton.init(${JSON.stringify(options)});</script></main></body></html>`;
  pages.set(path, html);
  pages.set("/thanks", "<!doctype html><html lang='en'><head><title>Thanks</title></head><body><h1>Thanks</h1></body></html>");
  return `${siteUrl}${path}`;
}

test("an anonymous visitor sees the defaults, an accessible pop-up, and nothing is tracked or stored without consent", async ({ page, server }) => {
  const stamp = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  const admin = { Authorization: `Bearer ${server.admin_token}` };
  const key = (await ok(await page.request.post("/api/v1/keys", { headers: admin, data: { kind: "write", browser: true } }))) as { key: string };
  await ok(await page.request.put(`/api/v1/placements/hero-${stamp}`, {
    headers: admin,
    data: { name: "Hero", kind: "inline", default: { title: "Spring sale", body: "<b>not bold</b>", cta_text: "Shop now", cta_url: "/thanks" } },
  }));
  await ok(await page.request.put(`/api/v1/placements/welcome-${stamp}`, {
    headers: admin,
    data: { name: "Welcome", kind: "popup", default: { title: "Welcome to the shop", body: "Sign up for news" } },
  }));
  const tracked: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/v1/track") || request.url().includes("/v1/t")) tracked.push(request.url());
  });
  const url = shopPage(`/anonymous-${stamp}`, server.base_url, { writeKey: key.key, host: server.base_url }, { inline: `hero-${stamp}`, popup: `welcome-${stamp}` });
  await page.goto(url);
  await page.evaluate(() => (window as unknown as { decided: Promise<unknown> }).decided);

  await test.step("the pop-up is a dialog that takes focus and closes with Escape", async () => {
    const dialog = page.getByRole("dialog", { name: "Welcome to the shop" });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole("button", { name: "Close" })).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(dialog.getByRole("button", { name: "Close" })).toBeFocused(); // focus stays inside
    await page.keyboard.press("Escape");
    await expect(dialog).toHaveCount(0);
  });

  await test.step("the inline placement shows the default, as text", async () => {
    const inline = page.getByTestId("inline");
    await expect(inline.getByText("Spring sale")).toBeVisible();
    await expect(inline.getByText("<b>not bold</b>")).toBeVisible();
    await expect(inline.locator("b")).toHaveCount(0);
    await expect(inline.locator("[data-baton-variant]")).toHaveAttribute("data-baton-variant", "default");
  });

  await test.step("without consent: no event sent, no cookie, nothing stored", async () => {
    await page.getByRole("link", { name: "Shop now" }).click();
    await expect(page.getByRole("heading", { name: "Thanks" })).toBeVisible();
    await page.goto(url);
    await page.evaluate(() => (window as unknown as { decided: Promise<unknown> }).decided);
    await page.waitForTimeout(500);
    expect(tracked).toEqual([]);
    expect(await page.evaluate(() => window.localStorage.length)).toBe(0);
    expect(await page.context().cookies()).toEqual([]);
  });

  await test.step("Global Privacy Control outweighs a consent the page assumes", async () => {
    await page.addInitScript(() => Object.defineProperty(navigator, "globalPrivacyControl", { value: true }));
    await page.goto(shopPage(`/gpc-${stamp}`, server.base_url, { writeKey: key.key, host: server.base_url, consent: true }, { inline: `hero-${stamp}` }));
    await page.evaluate(() => (window as unknown as { decided: Promise<unknown> }).decided);
    await expect(page.getByTestId("inline").getByText("Spring sale")).toBeVisible();
    await page.waitForTimeout(500);
    expect(tracked).toEqual([]);
    expect(await page.evaluate(() => window.localStorage.length)).toBe(0);
  });
});

test("a verified segment member sees the segment's variant, and their impression and click land in Baton", async ({ page, server }) => {
  test.setTimeout(120_000);
  const stamp = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  const admin = { Authorization: `Bearer ${server.admin_token}` };
  const userId = `e2e-vip-${stamp}`;
  const key = (await ok(await page.request.post("/api/v1/keys", { headers: admin, data: { kind: "write", browser: true } }))) as { key: string };
  const { secret } = (await ok(await page.request.post("/api/v1/identity-secret", { headers: admin }))) as { secret: string };
  await ok(await page.request.post("/api/v1/segments", {
    headers: admin,
    data: { key: `vip-${stamp}`, name: `VIP ${stamp}`, condition: { trait: "e2e_tier", op: "equals", value: stamp } },
  }));
  await ok(await page.request.put(`/api/v1/placements/hero-${stamp}`, {
    headers: admin,
    data: {
      name: "Hero",
      kind: "banner",
      variants: [{ key: "vip", when: { segment: `vip-${stamp}` }, content: { title: "Welcome back, VIP", cta_text: "Your lounge", cta_url: "/thanks" } }],
      default: { title: "Spring sale" },
    },
  }));
  await ok(await page.request.post("/v1/identify", {
    headers: { Authorization: `Basic ${Buffer.from(`${server.write_key}:`).toString("base64")}` },
    data: { userId, traits: { e2e_tier: stamp } },
  }));
  const userHash = createHmac("sha256", secret).update(userId).digest("hex");
  // The pipeline (identity, then segments) makes the person a member within seconds.
  await expect
    .poll(async () => {
      const answer = await page.request.get(`/v1/decide?writeKey=${key.key}&placement=hero-${stamp}&userId=${userId}&userHash=${userHash}`);
      const body = (await answer.json()) as { placements: Record<string, { variant: string | null }> };
      return body.placements[`hero-${stamp}`]?.variant;
    }, { timeout: 60_000 })
    .toBe("vip");

  await page.goto(shopPage(`/known-${stamp}`, server.base_url, { writeKey: key.key, host: server.base_url, userId, userHash }, { inline: `hero-${stamp}` }));
  const banner = page.getByRole("region", { name: "Welcome back, VIP" });
  await expect(banner).toBeVisible();
  await expect(page.getByText("Spring sale")).toHaveCount(0);

  await test.step("a forged userHash gets nobody's content", async () => {
    const forged = await page.request.get(`/v1/decide?writeKey=${key.key}&placement=hero-${stamp}&userId=${userId}&userHash=${"0".repeat(64)}`);
    expect(forged.status()).toBe(401);
    expect(await forged.text()).not.toContain("VIP");
  });

  await test.step("after consent, the impression and the click are events on the person's timeline", async () => {
    await page.evaluate(() => {
      const baton = (window as unknown as { Baton: { consent: (given: boolean) => void; refresh: () => Promise<unknown> } }).Baton;
      baton.consent(true);
      return baton.refresh();
    });
    await expect(banner).toBeVisible();
    await banner.getByRole("link", { name: "Your lounge" }).click();
    await expect(page.getByRole("heading", { name: "Thanks" })).toBeVisible();
    await expect
      .poll(
        async () => {
          const found = await page.request.get(`/api/v1/profiles/lookup?user_id=${userId}`, { headers: admin });
          const profile = (await found.json()) as { id: string };
          const answer = await page.request.get(`/api/v1/profiles/${profile.id}/events`, { headers: admin });
          const events = (await answer.json()) as { items: { event: string | null; properties: Record<string, unknown> }[] };
          return events.items
            .filter((event) => event.event?.startsWith("Placement"))
            .map((event) => `${event.event}:${String(event.properties.variant)}`)
            .sort();
        },
        { timeout: 60_000 },
      )
      .toEqual(["Placement Clicked:vip", "Placement Viewed:vip"]);
  });
});

test("an impression refused with 503 and Retry-After is sent again, the same message, after the wait", async ({ page, server }) => {
  const stamp = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  const admin = { Authorization: `Bearer ${server.admin_token}` };
  const key = (await ok(await page.request.post("/api/v1/keys", { headers: admin, data: { kind: "write", browser: true } }))) as { key: string };
  await ok(await page.request.put(`/api/v1/placements/retry-${stamp}`, {
    headers: admin,
    data: { name: "Retry", kind: "inline", default: { title: "Come back" } },
  }));
  // Baton behind on its work answers so (baton/api/backpressure.py); the first call only.
  const sent: { body: string; at: number; status: number }[] = [];
  await page.route(`${server.base_url}/v1/track`, async (route) => {
    const body = route.request().postData() ?? "";
    if (sent.length === 0) {
      sent.push({ body, at: Date.now(), status: 503 });
      await route.fulfill({
        status: 503,
        headers: { "Retry-After": "1", "Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "Retry-After" },
        contentType: "application/json",
        body: JSON.stringify({ code: "overloaded", message: "catching up" }),
      });
      return;
    }
    const answer = await route.fetch();
    sent.push({ body, at: Date.now(), status: answer.status() });
    await route.fulfill({ response: answer });
  });
  await page.goto(shopPage(`/retry-${stamp}`, server.base_url, { writeKey: key.key, host: server.base_url, consent: true }, { inline: `retry-${stamp}` }));
  await expect(page.getByTestId("inline").getByText("Come back")).toBeVisible();
  await expect.poll(() => sent.length, { timeout: 10_000 }).toBe(2);
  const [refused, again] = sent;
  expect(again?.body).toBe(refused?.body); // the same messageId: stored once however often it comes
  expect(again?.status).toBe(200);
  expect((again?.at ?? 0) - (refused?.at ?? 0)).toBeGreaterThanOrEqual(900);
});
