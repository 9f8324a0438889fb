import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The databases the tests run on, each behind its own `baton serve`: all of them unless
 * BATON_E2E_DATABASES names some (`sqlite`), which starts only their servers.
 * BATON_E2E_PORT moves them off 8731 and 8732, beside another run. */
const FIRST_PORT = Number(process.env.BATON_E2E_PORT ?? 8731);
export const DATABASES = { sqlite: FIRST_PORT, postgresql: FIRST_PORT + 1 } as const;
export type Database = keyof typeof DATABASES;

export function chosenDatabases(): Database[] {
  const named = process.env.BATON_E2E_DATABASES?.split(",").map((name) => name.trim()) ?? Object.keys(DATABASES);
  return named.map((name) => {
    if (!(name in DATABASES)) throw new Error(`BATON_E2E_DATABASES: unknown database ${name}`);
    return name as Database;
  });
}

export type Person = { email: string; password: string };

/** What tests/console/serve.py writes before its server answers /readyz. */
export type ServerState = {
  base_url: string;
  owner: Person;
  viewer: Person;
  write_key: string;
  admin_token: string;
  /** The folder where the installation's mail lands, one .eml file per message. */
  mailbox: string;
  /** A second, empty workspace, for tests that change workspace-wide settings. */
  spare_workspace: { write_key: string; admin_token: string };
};

export function stateFile(database: Database): string {
  return join(tmpdir(), "baton-e2e", `${database}-${DATABASES[database]}.json`);
}

export function readState(database: string): ServerState {
  if (!(database in DATABASES)) throw new Error(`no server for the project ${database}`);
  return JSON.parse(readFileSync(stateFile(database as Database), "utf8")) as ServerState;
}
