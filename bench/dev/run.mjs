#!/usr/bin/env node
// `quire dev`'s loop, measured on loopback with the seed page (issue #22): a page file saved in
// the project folder → the dev preview open in Chromium repainted with it (the new frame
// swapped in: a warm frame once its page ran and changed the document, a whole artifact's at
// its bridge's handshake), and, on the way, → `quire dev` saying
// it built (the compile on the server and the announcement).
//
//   file saved → preview repainted                                          target ≤ 300 ms
//
// ROUNDS saves (default 20), a fresh label each; median and 95th percentile. Run from the
// repository root:
//   cargo build --release --bin quire && node bench/dev/run.mjs
// QUIRE_BIN picks the binary (default target/release/quire). Needs Chromium and e2e's npm
// packages, which scripts/e2e installs. Prints a table; nothing here is a timed assertion.

import "../release-bin.mjs";
import { spawn, execFile } from "node:child_process";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { signIn } from "../../e2e/lib/api.js";
import { launch, signInThroughUi } from "../../e2e/lib/browser.js";
import { createPage, deployEchoFunction } from "../../e2e/lib/fixtures.js";
import { ADMIN, startServer } from "../../e2e/lib/server.js";

const QUIRE_BIN = process.env.QUIRE_BIN;
const ROUNDS = Number(process.env.ROUNDS ?? 20);

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

const server = await startServer();
const home = await mkdtemp(join(tmpdir(), "quire-bench-dev-"));
const results = { built: [], repaint: [] };
/** Saves whose repaint ran the page in the warm frame loaded before the write. */
let warmRepaints = 0;
let dev;
let browser;
try {
  const owner = await signIn(server, ADMIN.email, ADMIN.password);
  await deployEchoFunction(owner);
  await createPage(owner, { slug: "seed", name: "Seed dashboard" });
  const { token } = await owner.ok("POST", "/api/v1/tokens", { name: "bench" });

  const folder = join(home, "project");
  await mkdir(folder);
  await writeFile(join(folder, "quire.json"), JSON.stringify({ server: server.app, project: "default" }));
  const env = { ...process.env, QUIRE_TOKEN: token, QUIRE_CONFIG_DIR: join(home, "config") };
  await promisify(execFile)(QUIRE_BIN, ["pull"], { cwd: folder, env });
  const file = join(folder, "pages/seed.tsx");
  const source = await readFile(file, "utf8");

  let output = "";
  dev = spawn(QUIRE_BIN, ["dev"], { cwd: folder, env, stdio: ["pipe", "pipe", "pipe"] });
  dev.stdout.on("data", (chunk) => (output += chunk));
  dev.stderr.on("data", (chunk) => (output += chunk));
  const printed = async (pattern, from) => {
    while (!pattern.test(output.slice(from))) await new Promise((r) => setTimeout(r, 2));
    return Date.now();
  };
  await printed(/seed\.tsx: built/, 0);

  browser = await launch();
  const page = await browser.page();
  await page.setViewportSize({ width: 1280, height: 800 });
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password, "/p/default/pages/seed/dev");
  const shown = ".dev-preview-frame:not(.preview-frame-next) iframe";
  await page.frameLocator(shown).getByRole("button", { name: /^Load/ }).waitFor({ timeout: 60_000 });

  for (let round = -2; round < ROUNDS; round += 1) {
    const before = await page.evaluate((selector) => document.querySelector(selector)?.src, shown);
    const loaded = await page.evaluate(() =>
      [...document.querySelectorAll(".dev-preview-stage iframe")].map((frame) => frame.src),
    );
    const from = output.length;
    // Timed in the page, at animation frames (Playwright's own waits poll up to every 500 ms),
    // and watched from before the write: the repaint may come before `quire dev` prints.
    const swapped = page
      .waitForFunction(([selector, old]) => document.querySelector(selector)?.src !== old, [shown, before], {
        polling: "raf",
        timeout: 30_000,
      })
      .then(() => Date.now());
    const saved = Date.now();
    await writeFile(file, source.replace(/>Load[^<]*</, `>Load ${round}<`));
    const built = await printed(/seed\.tsx: built/, from);
    const repainted = await swapped;
    await page.frameLocator(shown).getByRole("button", { name: `Load ${round}` }).waitFor({ timeout: 30_000 });
    const now = await page.evaluate((selector) => document.querySelector(selector)?.src, shown);
    if (round >= 0 && loaded.includes(now)) warmRepaints += 1;
    // Two rounds warm the caches up first.
    if (round >= 0) {
      results.built.push(built - saved);
      results.repaint.push(repainted - saved);
    }
  }
} finally {
  dev?.kill();
  await browser?.close();
  await server.stop();
  await rm(home, { recursive: true, force: true });
}

const row = (what, values, target) =>
  `| ${what} | ${percentile(values, 50)} ms | ${percentile(values, 95)} ms | ${Math.min(...values)}–${Math.max(...values)} ms | ${target} |`;
console.log(`${ROUNDS} saves\n\n| measure | median | p95 | range | target |\n|---|---:|---:|---|---|`);
console.log(row("file saved → `quire dev` says it built", results.built, "—"));
console.log(row("file saved → dev preview repainted", results.repaint, "≤ 300 ms"));
console.log(`(${warmRepaints} of ${results.repaint.length} repaints ran in the warm frame)`);
