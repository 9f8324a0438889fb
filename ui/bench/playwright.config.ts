import { defineConfig } from "@playwright/test";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DATABASES, type Database } from "../e2e/servers";
import base from "../playwright.config";

/** The console's speed bench (console.bench.ts): one real `baton serve` on a fresh demo
 * database, as the end-to-end tests start it, and one test that prints one JSON line.
 *
 *     BATON_E2E_PORT=8741 ui/node_modules/.bin/playwright test -c ui/bench/playwright.config.ts
 *
 * BATON_BENCH_DATABASE picks the database (sqlite, the default, or postgresql). The
 * reporter passes the JSON line to stdout and everything else to stderr, so the output
 * can go through bench/compare_baseline.py. */
const database = (process.env.BATON_BENCH_DATABASE ?? "sqlite") as Database;
if (!(database in DATABASES)) throw new Error(`BATON_BENCH_DATABASE: unknown database ${database}`);
const e2eServer = Array.isArray(base.webServer) ? base.webServer.find((server) => server.name === `baton serve (${database})`) : undefined;
if (!e2eServer) throw new Error(`ui/playwright.config.ts starts no server for ${database}`);

export default defineConfig({
  testDir: ".",
  testMatch: "*.bench.ts",
  outputDir: join(tmpdir(), "baton-console-bench"),
  workers: 1,
  retries: 0,
  forbidOnly: true,
  reporter: [["./reporter.ts"]],
  timeout: 15 * 60_000,
  expect: { timeout: 30_000 },
  use: { ...base.use, trace: "off", screenshot: "off" },
  projects: [{ name: database, use: { browserName: "chromium", baseURL: `http://127.0.0.1:${DATABASES[database]}` } }],
  // The e2e tests' own server, for this database only (it follows BATON_E2E_PORT).
  webServer: { ...e2eServer, cwd: "../.." },
});
