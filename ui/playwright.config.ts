import { defineConfig } from "@playwright/test";
import { chosenDatabases, DATABASES, stateFile } from "./e2e/servers";

// Without the networking switches Chromium keeps calling Google's services, which on a
// closed network only fail and retry.
const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const databases = chosenDatabases();

/** The console in a real Chromium, against a real `baton serve` per database, each on a
 * fresh database filled by `baton demo` (tests/console/serve.py). */
export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: true,
  reporter: "list",
  timeout: 90_000,
  globalTimeout: 60 * 60_000,
  // Generous: both servers, their workers and two browsers share two cores, and a loaded
  // machine answers a report in well over ten seconds. A page that never comes still fails.
  expect: { timeout: 20_000 },
  use: {
    viewport: { width: 1280, height: 800 },
    actionTimeout: 20_000,
    navigationTimeout: 30_000,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.BATON_CHROMIUM || "/usr/bin/chromium",
      args: CHROMIUM_FLAGS,
    },
  },
  projects: databases.map((database) => ({
    name: database,
    use: { browserName: "chromium", baseURL: `http://127.0.0.1:${DATABASES[database]}` },
  })),
  webServer: databases.map((database) => ({
    name: `baton serve (${database})`,
    command: `.venv/bin/python -m tests.console.serve ${database} --port ${DATABASES[database]} --state ${stateFile(database)}`,
    cwd: "..",
    url: `http://127.0.0.1:${DATABASES[database]}/readyz`,
    reuseExistingServer: false,
    timeout: 180_000,
    gracefulShutdown: { signal: "SIGINT", timeout: 30_000 },
  })),
});
