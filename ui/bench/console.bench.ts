import type { APIRequestContext, Page } from "@playwright/test";
import { expect, settled, signIn, test } from "../e2e/fixtures";
import type { ServerState } from "../e2e/servers";

/** How the console copes with size, as the issue asks: a 200-node journey pans and zooms
 * smoothly, and a profile with 10,000 events scrolls without stutter. Both are made
 * through the API on the demo database of the e2e tests' server, then driven in the real
 * Chromium while the page records the time between its animation frames. Prints one JSON
 * line (see playwright.config.ts here); no figure is asserted: speed lives in benches. */

const JOURNEY_NODES = 200;
const TIMELINE_EVENTS = 10_000;
// What the tracking API takes in one request is 2,500 messages and 500 KB.
const BATCH = 500;
const PAN_MS = 3_000;
// Pixels a second the pointer drags the canvas.
const PAN_SPEED = 1_000;
const ZOOM_MS = 3_000;
const SWEEP_MS = 5_000;
const WHEEL_MS = 3_000;
const LONG_FRAME_MS = 50;

type Frames = { deltas: number[]; longTasks: number };

/** A valid journey of `count` nodes (a multiple of 4): groups of a branch, a message on
 * one side and a delay on the other, joined again by a short delay before the next group. */
function bigJourney(key: string, count: number) {
  const nodes: Record<string, unknown> = {};
  const groups = count / 4;
  for (let i = 0; i < groups; i++) {
    const join = i + 1 < groups ? { next: `branch-${i + 1}` } : {};
    nodes[`branch-${i}`] = { type: "branch", cases: [{ when: { has: "phone" }, next: `email-${i}` }], default: `wait-${i}` };
    nodes[`email-${i}`] = { type: "message", channel: "email", template: "cart-reminder", next: `pause-${i}` };
    nodes[`wait-${i}`] = { type: "delay", duration: "1d", next: `pause-${i}` };
    nodes[`pause-${i}`] = { type: "delay", duration: "1h", ...join };
  }
  return { key, name: `Bench ${count} nodes`, trigger: { event: "Bench Journey Started" }, start: "branch-0", nodes };
}

async function ok(answer: Awaited<ReturnType<APIRequestContext["get"]>>): Promise<unknown> {
  expect(answer.status(), await answer.text()).toBeLessThan(300);
  return answer.json();
}

/** A profile with `count` events, sent through /v1/batch with the write key and waited for
 * until the pipeline has resolved every one; its profile id. */
async function busyProfile(request: APIRequestContext, server: ServerState, userId: string, count: number): Promise<string> {
  const tracking = { Authorization: `Basic ${Buffer.from(`${server.write_key}:`).toString("base64")}` };
  const admin = { Authorization: `Bearer ${server.admin_token}` };
  await ok(await request.post("/v1/identify", { headers: tracking, data: { userId, traits: { email: `${userId}@bench.example`, firstName: "Bench" } } }));
  const names = ["Bench Page Viewed", "Bench Item Viewed", "Bench Search", "Bench Button Clicked"];
  const start = Date.now() - count * 60_000;
  for (let first = 0; first < count; first += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - first) }, (_, offset) => {
      const n = first + offset;
      return {
        type: "track",
        userId,
        messageId: `${userId}-${n}`,
        event: names[n % names.length],
        timestamp: new Date(start + n * 60_000).toISOString(),
        properties: { n, path: `/catalogue/${n % 97}`, query: n % 3 === 0 ? `shoes ${n}` : undefined },
      };
    });
    await ok(await request.post("/v1/batch", { headers: tracking, data: { batch } }));
  }
  await expect
    .poll(async () => ((await ok(await request.get("/api/v1/ingest/status", { headers: admin }))) as { pending: number }).pending, {
      timeout: 10 * 60_000,
      intervals: [1_000],
    })
    .toBe(0);
  const profile = (await ok(await request.get(`/api/v1/profiles/lookup?user_id=${userId}`, { headers: admin }))) as { id: string };
  let events = 0;
  let cursor: string | null = null;
  do {
    const page = (await ok(
      await request.get(`/api/v1/profiles/${profile.id}/events?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { headers: admin }),
    )) as { items: unknown[]; next: string | null };
    events += page.items.length;
    cursor = page.next;
  } while (cursor);
  expect(events).toBeGreaterThanOrEqual(count);
  return profile.id;
}

/** Before any script of the page: when the first journey step or the first timeline row
 * is painted, in ms since the navigation began (the start of the first frame that has it
 * laid out; React Flow's steps once measured, when it shows them); and a count of long
 * tasks. Looks once a frame until it has its mark, then stops. */
function installMarks(): void {
  const w = window as unknown as { __bench: { marks: Record<string, number>; longTasks: number } };
  w.__bench = { marks: {}, longTasks: 0 };
  const wanted: [string, string][] = [
    ["step", ".react-flow__node[data-id]"],
    ["row", '[data-testid="timeline-row"]'],
  ];
  const look = (time: number) => {
    for (const [name, selector] of wanted) {
      const found = document.querySelector<HTMLElement>(selector);
      if (found && getComputedStyle(found).visibility !== "hidden") {
        w.__bench.marks[name] = time;
        return;
      }
    }
    if (time < 120_000) requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
  try {
    new PerformanceObserver((list) => {
      w.__bench.longTasks += list.getEntries().length;
    }).observe({ type: "longtask" });
  } catch {
    // No long task timing here: the count stays 0.
  }
}

async function opened(page: Page, mark: string): Promise<number> {
  await expect.poll(() => page.evaluate((name) => (window as unknown as { __bench: { marks: Record<string, number> } }).__bench.marks[name] ?? -1, mark)).toBeGreaterThan(0);
  return page.evaluate((name) => (window as unknown as { __bench: { marks: Record<string, number> } }).__bench.marks[name] ?? 0, mark);
}

/** Starts recording the time between animation frames (and long tasks) in the page. */
async function record(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __frames: { times: number[]; on: boolean; longTasksAtStart: number }; __bench: { longTasks: number } };
    w.__frames = { times: [], on: true, longTasksAtStart: w.__bench.longTasks };
    const tick = (time: number) => {
      if (!w.__frames.on) return;
      w.__frames.times.push(time);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

async function stop(page: Page): Promise<Frames> {
  return page.evaluate(() => {
    const w = window as unknown as { __frames: { times: number[]; on: boolean; longTasksAtStart: number }; __bench: { longTasks: number } };
    w.__frames.on = false;
    const { times } = w.__frames;
    return { deltas: times.slice(1).map((time, i) => time - (times[i] ?? time)), longTasks: w.__bench.longTasks - w.__frames.longTasksAtStart };
  });
}

function quantile(values: number[], fraction: number): number {
  const ordered = [...values].sort((a, b) => a - b);
  return ordered[Math.min(ordered.length - 1, Math.floor(fraction * ordered.length))] ?? 0;
}

const round = (value: number, places = 1) => Number(value.toFixed(places));

/** A phase's figures: frames per second over the phase, the median, 95th percentile and
 * longest frame, and the frames longer than LONG_FRAME_MS. */
function figures(name: string, { deltas, longTasks }: Frames): Record<string, number> {
  const total = deltas.reduce((sum, delta) => sum + delta, 0);
  return {
    [`${name}_frames_per_s`]: round((deltas.length * 1000) / Math.max(total, 1)),
    [`${name}_frame_p50_ms`]: round(quantile(deltas, 0.5)),
    [`${name}_frame_p95_ms`]: round(quantile(deltas, 0.95)),
    [`${name}_frame_max_ms`]: round(Math.max(0, ...deltas)),
    [`${name}_long_frames`]: deltas.filter((delta) => delta > LONG_FRAME_MS).length,
    [`${name}_long_tasks`]: longTasks,
  };
}

/** Where React Flow has the journey: its translation and zoom. */
async function viewport(page: Page): Promise<{ x: number; y: number; zoom: number }> {
  return page.locator(".react-flow__viewport").evaluate((element) => {
    const { e, f, a } = new DOMMatrixReadOnly(getComputedStyle(element).transform);
    return { x: e, y: f, zoom: a };
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A point of the canvas where a drag pans rather than moves a step. */
async function emptyPane(page: Page): Promise<{ x: number; y: number; box: { x: number; y: number; width: number; height: number } }> {
  const box = await page.locator(".react-flow__pane").boundingBox();
  if (!box) throw new Error("no canvas");
  const found = await page.evaluate(({ x, y, width, height }) => {
    for (const across of [0.92, 0.85, 0.08, 0.15, 0.75, 0.25]) {
      const px = x + width * across;
      const fine = [0.2, 0.35, 0.5, 0.65, 0.8].every((down) => document.elementFromPoint(px, y + height * down)?.classList.contains("react-flow__pane"));
      if (fine) return px;
    }
    return null;
  }, box);
  if (found === null) throw new Error("no empty stretch of canvas to drag");
  return { x: found, y: box.y + box.height / 2, box };
}

test("the console: a 200-node journey pans and zooms, a 10,000-event timeline scrolls", async ({ page, server }, testInfo) => {
  const stamp = Date.now().toString(36);
  const admin = { Authorization: `Bearer ${server.admin_token}` };
  const key = `bench-${JOURNEY_NODES}-${stamp}`;
  const result: Record<string, unknown> = {
    bench: "console",
    database: testInfo.project.name,
    journey_nodes: JOURNEY_NODES,
    timeline_events: TIMELINE_EVENTS,
  };

  const setupStart = Date.now();
  await ok(await page.request.put(`/api/v1/journeys/${key}`, { headers: admin, data: bigJourney(key, JOURNEY_NODES) }));
  const profileId = await busyProfile(page.request, server, `bench-${stamp}`, TIMELINE_EVENTS);
  console.error(`set up in ${((Date.now() - setupStart) / 1000).toFixed(0)} s: journey ${key}, profile ${profileId}`);

  await page.addInitScript(installMarks);
  await signIn(page, server.owner);

  // (a) The builder: open, then pan by dragging the canvas and zoom with the wheel.
  await page.goto(`/journeys/${key}`);
  result.builder_open_ms = Math.round(await opened(page, "step"));
  await settled(page);
  await expect(page.getByTestId("node-branch-0")).toBeVisible();
  await pause(500);
  result.builder_steps_drawn = await page.locator(".react-flow__node").count();

  const pane = await emptyPane(page);
  const top = pane.box.y + pane.box.height * 0.85;
  const bottom = pane.box.y + pane.box.height * 0.15;
  const panFrom = await viewport(page);
  await record(page);
  let began = Date.now();
  // Drags upwards at PAN_SPEED, one after another: the journey slides up and later steps
  // come into view. Each move waits for the page to take it, so the pointer goes where
  // the time says rather than by fixed steps.
  while (Date.now() - began < PAN_MS) {
    await page.mouse.move(pane.x, top);
    await page.mouse.down();
    const stroke = Date.now();
    for (let y = top; y > bottom && Date.now() - began < PAN_MS; y = top - ((Date.now() - stroke) * PAN_SPEED) / 1000) {
      await page.mouse.move(pane.x, y);
      await pause(8);
    }
    await page.mouse.move(pane.x, bottom);
    await page.mouse.up();
  }
  Object.assign(result, figures("pan", await stop(page)));
  result.pan_px = Math.round((await viewport(page)).y - panFrom.y);

  await page.mouse.move(pane.box.x + pane.box.width / 2, pane.box.y + pane.box.height / 2);
  await record(page);
  began = Date.now();
  // Out to the smallest zoom (the whole journey, every step drawn) and back in, again.
  let widest = 0;
  let smallest = Infinity;
  while (Date.now() - began < ZOOM_MS) {
    for (const delta of [...Array<number>(16).fill(100), ...Array<number>(16).fill(-100)]) {
      await page.mouse.wheel(0, delta);
      await pause(40);
      if (delta > 0) widest = Math.max(widest, await page.locator(".react-flow__node").count());
      if (delta > 0) smallest = Math.min(smallest, (await viewport(page)).zoom);
    }
  }
  Object.assign(result, figures("zoom", await stop(page)));
  result.zoom_steps_drawn_max = widest;
  result.zoom_smallest = round(smallest, 2);

  // (b) Profile 360: open, load every page of the timeline by scrolling to its end, then
  // sweep it top to bottom, then scroll it with the wheel.
  await page.goto(`/profiles/${profileId}`);
  result.profile_open_ms = Math.round(await opened(page, "row"));
  const timeline = page.getByTestId("timeline");
  await timeline.scrollIntoViewIfNeeded();
  await record(page);
  began = Date.now();
  await page.evaluate(() => {
    const list = document.querySelector<HTMLElement>('[data-testid="timeline"]');
    const w = window as unknown as { __frames: { on: boolean } };
    const down = () => {
      if (!list || !w.__frames.on) return;
      list.scrollTop += 1_500;
      requestAnimationFrame(down);
    };
    requestAnimationFrame(down);
  });
  await expect(page.getByTestId("timeline-status")).toHaveText(/^All [\d,]+ items shown\.$/, { timeout: 5 * 60_000 });
  result.timeline_load_all_ms = Date.now() - began;
  Object.assign(result, figures("scroll_load", await stop(page)));
  const status = (await page.getByTestId("timeline-status").textContent()) ?? "";
  result.timeline_rows = Number(status.replace(/[^\d]/g, ""));

  await timeline.evaluate((list) => {
    list.scrollTop = 0;
  });
  await pause(500);
  await record(page);
  await timeline.evaluate(
    (list, ms) =>
      new Promise<void>((resolve) => {
        const start = performance.now();
        const end = list.scrollHeight - list.clientHeight;
        const step = (now: number) => {
          const done = Math.min(1, (now - start) / ms);
          list.scrollTop = end * done;
          if (done < 1) requestAnimationFrame(step);
          else resolve();
        };
        requestAnimationFrame(step);
      }),
    SWEEP_MS,
  );
  Object.assign(result, figures("scroll", await stop(page)));
  result.scroll_px = await timeline.evaluate((list) => list.scrollHeight);

  const box = await timeline.boundingBox();
  if (!box) throw new Error("no timeline");
  await timeline.evaluate((list) => {
    list.scrollTop = list.scrollHeight / 2;
  });
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await pause(300);
  await record(page);
  began = Date.now();
  while (Date.now() - began < WHEEL_MS) {
    await page.mouse.wheel(0, 120);
    await pause(16);
  }
  Object.assign(result, figures("wheel", await stop(page)));

  result.long_frames_over_50ms = ["pan", "zoom", "scroll", "wheel"].reduce((sum, phase) => sum + Number(result[`${phase}_long_frames`]), 0);
  result.cores = (await page.evaluate(() => navigator.hardwareConcurrency)) as number;
  console.log(JSON.stringify(result));
});
