import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { createHmac } from "node:crypto";
import { createServer, type Socket } from "node:net";
import { expect, picture, test } from "./fixtures";

/* The preference center (/v1/preferences) in a real Chromium: reached from the site with
 * identity verification, used with the keyboard at phone and desktop widths, in English and
 * Hungarian, with no serious accessibility violation in any shipped language, nor on the
 * erasure and download pages its e-mailed links open. It runs in the harness's spare
 * workspace, so its e-mail channel and identity secret touch no other test's. */

/** Every shipped language: its link's name, and the titles of the preference page and of
 * the erasure and download pages (baton/channels/preference_texts.py). */
const LANGUAGES = [
  { code: "en", link: "English", title: "Your preferences", erasure: "Delete your data?", download: "Your data" },
  { code: "hu", link: "Magyar", title: "Beállításaid", erasure: "Törlöd az adataidat?", download: "Az adataid" },
  { code: "pl", link: "Polski", title: "Twoje preferencje", erasure: "Usunąć Twoje dane?", download: "Twoje dane" },
  { code: "tr", link: "Türkçe", title: "Tercihleriniz", erasure: "Verileriniz silinsin mi?", download: "Verileriniz" },
  { code: "ro", link: "Română", title: "Preferințele tale", erasure: "Îți ștergi datele?", download: "Datele tale" },
];

/** An SMTP server on 127.0.0.1, just enough for Python's smtplib, that keeps the text of
 * each message it takes (quoted-printable decoded). */
async function mailSink() {
  const messages: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    socket.setEncoding("latin1");
    let buffer = "";
    let inData = false;
    socket.write("220 sink ESMTP\r\n");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          const end = buffer.indexOf("\r\n.\r\n");
          if (end < 0) return;
          const raw = buffer.slice(0, end).replaceAll("\r\n..", "\r\n.");
          buffer = buffer.slice(end + 5);
          inData = false;
          const decoded = raw.replaceAll("=\r\n", "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
          messages.push(Buffer.from(decoded, "latin1").toString("utf8"));
          socket.write("250 OK\r\n");
          continue;
        }
        const end = buffer.indexOf("\r\n");
        if (end < 0) return;
        const verb = buffer.slice(0, end).slice(0, 4).toUpperCase();
        buffer = buffer.slice(end + 2);
        if (verb === "EHLO") socket.write("250-sink\r\n250 8BITMIME\r\n");
        else if (verb === "DATA") {
          inData = true;
          socket.write("354 End with <CRLF>.<CRLF>\r\n");
        } else if (verb === "QUIT") {
          socket.end("221 Bye\r\n");
          return;
        } else socket.write("250 OK\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the mail sink has no port");
  return {
    port: address.port,
    /** The path of the link to `/v1/<kind>/…` in the next message that has one. */
    async link(kind: "erasure" | "export"): Promise<string> {
      const pattern = new RegExp(`/v1/${kind}/[\\w.-]+`);
      let found: string | undefined;
      await expect.poll(() => (found = messages.map((message) => pattern.exec(message)?.[0]).find(Boolean)), { message: `an e-mail with the ${kind} link` }).toBeTruthy();
      return found ?? "";
    },
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

type Answer = { status: () => number; text: () => Promise<string>; json: () => Promise<unknown> };

async function ok(answer: Answer): Promise<unknown> {
  expect(answer.status(), await answer.text()).toBeLessThan(300);
  return answer.json();
}

async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `[${violation.impact}] ${violation.id}: ${violation.help} at ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`);
}

// Five languages and two more pages, each judged by axe.
test.setTimeout(150_000);

test("a customer opens their preferences from the site, changes them with the keyboard in two languages, and the page has no serious accessibility violation", async ({ page, server }, testInfo) => {
  const made = server.spare_workspace;
  const admin = { Authorization: `Bearer ${made.admin_token}` };
  // Nothing listens on port 9: the erasure e-mail cannot go, and the page says so.
  await ok(await page.request.put("/api/v1/channels/email", {
    headers: admin,
    data: { url: "smtp://127.0.0.1:9", sender: "Shop <news@shop.example>", security: "none", links_url: server.base_url, allow: ["127.0.0.1"] },
  }));
  await ok(await page.request.put("/api/v1/policy", { headers: admin, data: { subscription_groups: { "weekly-deals": {}, "product-news": {} } } }));
  const { secret } = (await ok(await page.request.post("/api/v1/identity-secret", { headers: admin }))) as { secret: string };
  const basic = { Authorization: `Basic ${Buffer.from(`${made.write_key}:`).toString("base64")}` };
  await ok(await page.request.post("/v1/identify", { headers: basic, data: { userId: "mia", traits: { email: "mia@shop.example", firstName: "Mia" } } }));
  const userHash = createHmac("sha256", secret).update("mia").digest("hex");
  const entry = `/v1/preferences?writeKey=${encodeURIComponent(made.write_key)}&userId=mia&userHash=${userHash}`;
  // The profile exists once the identity stage has run.
  await expect.poll(async () => (await page.request.get(entry, { maxRedirects: 0 })).status(), { timeout: 30_000 }).toBe(303);
  const forged = await page.request.get(entry.replace(userHash, userHash.replace(/^./, (c) => (c === "0" ? "1" : "0"))), { maxRedirects: 0 });
  expect(forged.status()).toBe(401);

  const failures: string[] = [];
  for (const size of [{ width: 375, height: 812 }, { width: 1280, height: 800 }]) {
    await page.setViewportSize(size);
    await page.goto(entry);
    await expect(page).toHaveURL(/\/v1\/preferences\/[\w.-]+$/);
    await expect(page.getByRole("heading", { level: 1, name: "Your preferences" })).toBeVisible();
    // Nothing is wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(size.width);
    for (const found of await seriousViolations(page)) failures.push(`at ${size.width} px: ${found}`);
    await picture(page, testInfo, `preferences-${size.width}`);
  }

  const topics = page.getByRole("group", { name: "Topics" });
  await expect(topics.getByRole("checkbox", { name: "Weekly deals" })).toBeChecked();
  await expect(page.getByRole("group", { name: "Channels" }).getByRole("checkbox", { name: "E-mail" })).toBeChecked();
  // With the keyboard only: untick a topic, pick a frequency, save.
  await topics.getByRole("checkbox", { name: "Weekly deals" }).focus();
  await page.keyboard.press("Space");
  await page.getByRole("radio", { name: "At most 1 a week" }).focus();
  await page.keyboard.press("Space");
  await page.getByRole("button", { name: "Save my choices" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toHaveText("Your choices are saved.");
  await expect(page.getByRole("checkbox", { name: "Weekly deals" })).not.toBeChecked();
  await expect(page.getByRole("radio", { name: "At most 1 a week" })).toBeChecked();
  for (const found of await seriousViolations(page)) failures.push(`after saving: ${found}`);

  await page.getByRole("navigation", { name: "Language" }).getByRole("link", { name: "Magyar" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "hu");
  await expect(page.getByRole("heading", { level: 1, name: "Beállításaid" })).toBeVisible();
  await expect(page.getByRole("radio", { name: "Legfeljebb heti egyet" })).toBeChecked();
  await page.getByRole("button", { name: "Kérem a törlési linket e-mailben" }).click();
  await expect(page.getByRole("alert")).toHaveText("Most nem sikerült elküldeni az e-mailt. Kérjük, próbáld újra később.");
  // The download, too, is only ever a link e-mailed to the person.
  await page.getByRole("button", { name: "Kérem a letöltési linket e-mailben" }).click();
  await expect(page.getByRole("alert")).toHaveText("Most nem sikerült elküldeni az e-mailt. Kérjük, próbáld újra később.");
  for (const found of await seriousViolations(page)) failures.push(`in Hungarian: ${found}`);
  await page.setViewportSize({ width: 375, height: 812 });
  await picture(page, testInfo, "preferences-hu-375");

  // The other shipped languages, at both widths.
  for (const language of LANGUAGES.filter(({ code }) => !["en", "hu"].includes(code))) {
    await page.getByRole("navigation").getByRole("link", { name: language.link }).click();
    await expect(page.locator("html")).toHaveAttribute("lang", language.code);
    await expect(page.getByRole("heading", { level: 1, name: language.title })).toBeVisible();
    for (const size of [{ width: 375, height: 812 }, { width: 1280, height: 800 }]) {
      await page.setViewportSize(size);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(size.width);
      for (const found of await seriousViolations(page)) failures.push(`in ${language.link} at ${size.width} px: ${found}`);
    }
    await page.setViewportSize({ width: 375, height: 812 });
    await picture(page, testInfo, `preferences-${language.code}-375`);
  }

  // The pages the e-mailed links open, once the e-mail can go: to a sink here.
  const sink = await mailSink();
  try {
    await ok(await page.request.put("/api/v1/channels/email", {
      headers: admin,
      data: { url: `smtp://127.0.0.1:${sink.port}`, sender: "Shop <news@shop.example>", security: "none", links_url: server.base_url, allow: ["127.0.0.1"] },
    }));
    await page.getByRole("navigation").getByRole("link", { name: "English" }).click();
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await page.getByRole("button", { name: "E-mail me the deletion link" }).click();
    await expect(page.getByRole("status")).toHaveText("Check your inbox: we sent you the link to confirm the deletion.");
    const erasure = await sink.link("erasure");
    await page.getByRole("button", { name: "E-mail me the download link" }).click();
    await expect(page.getByRole("status")).toHaveText("Check your inbox: we sent you the link to download your data.");
    const download = await sink.link("export");
    for (const language of LANGUAGES) {
      for (const [kind, path, title] of [["erasure", erasure, language.erasure], ["download", download, language.download]] as const) {
        await page.goto(`${path}?lang=${language.code}`);
        await expect(page.locator("html")).toHaveAttribute("lang", language.code);
        await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
        for (const found of await seriousViolations(page)) failures.push(`on the ${kind} page in ${language.link}: ${found}`);
        if (language.code === "en" || language.code === "ro") await picture(page, testInfo, `preferences-${kind}-${language.code}-375`);
      }
    }
  } finally {
    sink.close();
  }

  // The consent the page recorded is the person's own, with its evidence.
  const profiles = (await ok(await page.request.get("/api/v1/profiles/lookup?user_id=mia", { headers: admin }))) as { id: string };
  const consent = (await ok(await page.request.get(`/api/v1/profiles/${profiles.id}/consent`, { headers: admin }))) as { groups: Record<string, { subscribed: boolean; source: string }> };
  expect(consent.groups["weekly-deals"]).toMatchObject({ subscribed: false, source: "preference_center" });
  expect(failures, `serious or critical accessibility violations\n${failures.join("\n")}`).toEqual([]);
});
