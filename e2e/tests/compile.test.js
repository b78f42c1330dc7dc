// (a) `quire compile` turns the seed page into one HTML file that renders on its own, opened
// from disk with every network request refused.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { launch } from "../lib/browser.js";
import { SEED_PAGE } from "../lib/fixtures.js";
import { NPM_STORE, QUIRE_BIN } from "../lib/server.js";

let dir;
let browser;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "quire-e2e-compile-"));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("a page compiled by `quire compile` renders from a file with nothing else served", async () => {
  const input = join(dir, "seed.tsx");
  const output = join(dir, "seed.html");
  await writeFile(input, SEED_PAGE);
  await promisify(execFile)(QUIRE_BIN, [
    "compile",
    input,
    "--output",
    output,
    "--store",
    NPM_STORE,
  ]);

  const page = await browser.page();
  const requested = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    requested.push(url);
    return route.abort();
  });
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(pathToFileURL(output).href);
  await page.getByRole("button", { name: "Load" }).waitFor();
  assert.equal(await page.locator("pre").textContent(), "No data");
  assert.deepEqual(requested, [], "the artifact loads nothing from the network");
  assert.deepEqual(errors, []);
});
