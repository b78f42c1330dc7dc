// Starts and stops `quire serve` for browser tests: free loopback ports, a throw-away data
// directory whose npm store and compiler cache are shared (React is fetched and the UI built
// once for all runs), an owner from QUIRE_ADMIN_EMAIL / QUIRE_ADMIN_PASSWORD, and a wait until
// the API and the UI answer.

import { spawn, execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, mkdir, rm, symlink } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const QUIRE_BIN = resolve(process.env.QUIRE_BIN ?? join(REPO, "target/debug/quire"));
/** Shared with the Rust tests' store, so a machine that ran them has React already. */
export const NPM_STORE =
  process.env.QUIRE_E2E_NPM_STORE ?? join(REPO, "target/tmp/quire-test-npm-store");
/** Shared by every test server: the compiler's caches and the built UI (bundled once per binary). */
export const COMPILER_CACHE = join(REPO, "target/tmp/quire-e2e-compiler-cache");
export const ADMIN = { email: "owner@example.com", password: "a long enough password" };

const run = promisify(execFile);

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function waitFor(url, ok, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (ok(response.status)) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not answer within ${timeoutMs} ms (last: ${last})`);
}

/**
 * A running `quire serve` (with `args` after the listeners, e.g. `--demo`). Call `stop()` when
 * done. `databaseUrl` (PostgreSQL) and `secretKey` make it one of several instances sharing a
 * database, as behind a load balancer.
 */
export async function startServer({ env = {}, args = [], databaseUrl, secretKey: sharedKey } = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), "quire-e2e-"));
  await mkdir(NPM_STORE, { recursive: true });
  await symlink(NPM_STORE, join(dataDir, "npm"), "dir");
  await mkdir(COMPILER_CACHE, { recursive: true });
  await symlink(COMPILER_CACHE, join(dataDir, "cache"), "dir");
  const [appPort, ucPort] = [await freePort(), await freePort()];
  const app = `http://127.0.0.1:${appPort}`;
  const usercontent = `http://127.0.0.1:${ucPort}`;
  // Known to the tests, so they can sign an artifact URL that is genuine but expired.
  const secretKey = sharedKey ?? randomBytes(32).toString("hex");
  const childEnv = {
    ...process.env,
    QUIRE_LOG: process.env.QUIRE_LOG ?? "warn",
    QUIRE_ADMIN_EMAIL: ADMIN.email,
    QUIRE_ADMIN_PASSWORD: ADMIN.password,
    QUIRE_SECRET_KEY: secretKey,
    ...env,
  };
  // A test server is self-contained: SQLite in its data directory (unless it shares a
  // database on purpose), URLs from its own ports.
  for (const name of [
    "QUIRE_DATABASE_URL",
    "QUIRE_PUBLIC_URL",
    "QUIRE_USERCONTENT_URL",
    "QUIRE_CONFIG",
  ]) {
    delete childEnv[name];
  }
  if (databaseUrl) childEnv.QUIRE_DATABASE_URL = databaseUrl;
  const child = spawn(
    QUIRE_BIN,
    [
      "--data-dir",
      dataDir,
      "serve",
      "--listen",
      `127.0.0.1:${appPort}`,
      "--usercontent-listen",
      `127.0.0.1:${ucPort}`,
      ...args,
    ],
    // In the data directory, so that no ./quire.toml of the caller's is read.
    { cwd: dataDir, env: childEnv, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  child.stdout.on("data", (chunk) => {
    stdout = (stdout + chunk).slice(-20_000);
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise((r) => child.on("exit", (code, signal) => r({ code, signal })));

  const server = {
    app,
    usercontent,
    dataDir,
    secretKey,
    get log() {
      return stderr;
    },
    /** What it printed for the person who started it (addresses, the first password). */
    get printed() {
      return stdout;
    },
    /** Runs a `quire` admin command against this server's data directory. */
    async cli(args, input) {
      const promise = run(QUIRE_BIN, ["--data-dir", dataDir, ...args], {
        cwd: dataDir,
        env: childEnv,
      });
      if (input !== undefined) {
        promise.child.stdin.end(input);
      }
      return promise;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.race([
      (async () => {
        await waitFor(`${app}/readyz`, (s) => s === 200, 60_000, "quire serve");
        // The UI is bundled in the background after start; "/" answers 503 until then.
        await waitFor(`${app}/`, (s) => s !== 503, 180_000, "the app's UI");
      })(),
      exited.then(({ code, signal }) => {
        throw new Error(`quire serve exited (${code ?? signal}) before it was ready:\n${stderr}`);
      }),
    ]);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/**
 * A new, empty PostgreSQL database beside QUIRE_TEST_DATABASE_URL's, for servers that share
 * one; `null` when that variable is not set (the test is then skipped). `drop()` removes it.
 */
export async function freshPostgresDatabase() {
  const base = process.env.QUIRE_TEST_DATABASE_URL;
  if (!base) return null;
  const name = `quire_e2e_${randomBytes(6).toString("hex")}`;
  await run("psql", [base, "-qc", `CREATE DATABASE ${name}`]);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await run("psql", [base, "-qc", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
    },
  };
}
