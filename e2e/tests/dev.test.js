// The local dev loop with the real binary against a real server: `quire login`, `init`, `push`
// and `pull` of a project folder, a conflicting push refused; `quire dev`: a saved page file
// repaints the open previews (the dev preview and the studio's) without a reload, a broken one
// prints its diagnostic in the terminal, a saved function is checked, deployed and invoked, a
// deleted file is said to stay on the server, and the keys save and quit; `quire dev
// --offline` compiles here, serves the same sandbox and runs the folder's functions here, with
// nothing from the server.

import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { signIn } from "../lib/api.js";
import { launch, signInThroughUi } from "../lib/browser.js";
import { screenshots } from "../lib/screens.js";
import { ADMIN, NPM_STORE, QUIRE_BIN, startServer } from "../lib/server.js";
import { createServer } from "node:net";

let server;
let browser;
let owner;
let home;

before(async () => {
  server = await startServer();
  browser = await launch();
  owner = await signIn(server, ADMIN.email, ADMIN.password);
  home = await mkdtemp(join(tmpdir(), "quire-e2e-dev-"));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

function env() {
  const vars = { ...process.env, QUIRE_CONFIG_DIR: join(home, "config") };
  for (const name of ["QUIRE_URL", "QUIRE_TOKEN", "QUIRE_PROJECT"]) delete vars[name];
  return vars;
}

/** Runs `quire <args>` in `cwd`; answers its exit code and output, whatever the code. */
async function quire(args, { cwd = home, input } = {}) {
  const promise = promisify(execFile)(QUIRE_BIN, args, { cwd, env: env() });
  if (input !== undefined) promise.child.stdin.end(input);
  try {
    const { stdout, stderr } = await promise;
    return { code: 0, stdout, stderr };
  } catch (error) {
    if (typeof error.code !== "number") throw error;
    return { code: error.code, stdout: error.stdout, stderr: error.stderr };
  }
}

async function ok(args, options) {
  const run = await quire(args, options);
  assert.equal(run.code, 0, `quire ${args.join(" ")}:\n${run.stdout}\n${run.stderr}`);
  return run;
}

async function edit(file, from, to) {
  const text = await readFile(file, "utf8");
  assert.ok(text.includes(from), `${file} holds ${from}`);
  await writeFile(file, text.replace(from, to));
}

test("login keeps a private token; init, push and pull a folder; a conflicting push is refused", async () => {
  const login = await ok(["login", "--url", server.app, "--email", ADMIN.email], {
    input: `${ADMIN.password}\n`,
  });
  assert.match(login.stdout, /Signed in to .* as owner@example.com/);
  const kept = await stat(join(home, "config", "credentials.json"));
  assert.equal(kept.mode & 0o777, 0o600, "the token file is readable by its owner only");

  await ok(["init", "a", "--url", server.app]);
  for (const file of ["quire.json", "pages/hello.tsx", "functions/hello.js", "kapso.d.ts", "tsconfig.json", ".gitignore"]) {
    await stat(join(home, "a", file));
  }
  const a = join(home, "a");
  const pushed = await ok(["push"], { cwd: a });
  assert.match(pushed.stdout, /pages\/hello\.tsx: saved version 1 \(a new page\): built/);
  assert.match(pushed.stdout, /functions\/hello\.js: saved version 1 \(a new function\): loads/);

  await ok(["init", "b", "--url", server.app]);
  const b = join(home, "b");
  const pulled = await ok(["pull", "--force"], { cwd: b });
  assert.match(pulled.stdout, /pages\/hello\.tsx: version 1/);
  assert.equal(await readFile(join(b, "pages/hello.tsx"), "utf8"), await readFile(join(a, "pages/hello.tsx"), "utf8"));

  // b saves version 2; a, still on version 1, is refused, told who saved, and nothing is saved.
  await edit(join(b, "pages/hello.tsx"), "<h1>Hello</h1>", "<h1>Hello from b</h1>");
  await ok(["push"], { cwd: b });
  await edit(join(a, "pages/hello.tsx"), "<h1>Hello</h1>", "<h1>Hello from a</h1>");
  const refused = await quire(["push"], { cwd: a });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /pages\/hello\.tsx: not pushed: version 2 was saved by .+ after version 1/);
  const head = await owner.ok("GET", "/api/v1/projects/default/pages/hello");
  assert.equal(head.head.number, 2);
  assert.match(head.head.source, /Hello from b/, "b's version stays the newest");
  // Pull keeps a's unpushed edit; --force on push overwrites.
  const kept2 = await quire(["pull"], { cwd: a });
  assert.match(kept2.stderr, /pages\/hello\.tsx: kept: it has edits that were not pushed/);
  const forced = await ok(["push", "--force"], { cwd: a });
  assert.match(forced.stdout, /pages\/hello\.tsx: saved version 3: built/);
});

/** A running `quire dev`, its output gathered. */
function startDev(cwd, args = [], extraEnv = {}) {
  const child = spawn(QUIRE_BIN, ["dev", ...args], {
    cwd,
    env: { ...env(), ...extraEnv },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const dev = {
    child,
    output: "",
    exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))),
    /** Waits until the output after `from` matches `pattern`. */
    async waitFor(pattern, from = 0, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (pattern.test(dev.output.slice(from))) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`quire dev did not print ${pattern} within ${timeoutMs} ms:\n${dev.output}`);
    },
  };
  child.stdout.on("data", (chunk) => (dev.output += chunk));
  child.stderr.on("data", (chunk) => (dev.output += chunk));
  return dev;
}

test("quire dev: saved files repaint the open previews without a reload, errors print, functions deploy", async () => {
  const b = join(home, "b");
  await ok(["pull", "--force"], { cwd: b });
  const dev = startDev(b, ["--deploy"]);
  try {
    await dev.waitFor(/pages\/hello\.tsx: built in \d+ ms/);
    const url = dev.output.match(/pages\/hello\.tsx: (http\S+\/dev)/)[1];

    const live = await browser.page();
    await live.setViewportSize({ width: 1100, height: 760 });
    await signInThroughUi(live, server, ADMIN.email, ADMIN.password, new URL(url).pathname);
    const liveFrame = () => live.frameLocator(".dev-preview-frame:not(.preview-frame-next) iframe");
    await liveFrame().getByRole("heading", { name: "Hello from a" }).waitFor({ timeout: 60_000 });

    const studio = await browser.page();
    await studio.setViewportSize({ width: 1280, height: 800 });
    await studio.goto(`${server.app}/p/default/pages/hello/edit`);
    const studioFrame = () => studio.frameLocator(".preview-frame:not(.preview-frame-next) iframe");
    await studioFrame().getByRole("heading", { name: "Hello from a" }).waitFor({ timeout: 60_000 });

    // A marker in each tab's own window: a reload would lose it.
    for (const tab of [live, studio]) await tab.evaluate(() => (window.quireNoReload = true));
    let from = dev.output.length;
    await edit(join(b, "pages/hello.tsx"), "<h1>Hello from a</h1>", "<h1>Saved in my editor</h1>");
    await dev.waitFor(/pages\/hello\.tsx: built in \d+ ms/, from);
    await liveFrame().getByRole("heading", { name: "Saved in my editor" }).waitFor({ timeout: 10_000 });
    await studioFrame().getByRole("heading", { name: "Saved in my editor" }).waitFor({ timeout: 10_000 });
    await studio.getByText("From quire dev").waitFor();
    for (const tab of [live, studio]) {
      assert.equal(await tab.evaluate(() => window.quireNoReload), true, "the tab was not reloaded");
    }
    await screenshots(live, "dev-preview");

    // Broken: the diagnostic with its code frame in the terminal; the previews keep the last render.
    from = dev.output.length;
    await edit(join(b, "pages/hello.tsx"), "<h1>Saved in my editor</h1>", "<h1>Saved in my editor</h2>");
    await dev.waitFor(/does not build/, from);
    const printed = dev.output.slice(from);
    assert.match(printed, /error\[[A-Z_]+\]/);
    assert.match(printed, /pages\/hello\.tsx:\d+:\d+/);
    assert.match(printed, /> +\d+ \| +<h1>Saved in my editor<\/h2>/, `a code frame:\n${printed}`);
    await liveFrame().getByRole("heading", { name: "Saved in my editor" }).waitFor();

    // A function with a syntax error is refused here with its place; fixed, it is deployed.
    from = dev.output.length;
    await edit(join(b, "functions/hello.js"), "async function handler(request, env) {", "async function handler(request, env) {{");
    await dev.waitFor(/functions\/hello\.js:\d+:\d+: error:/, from);
    from = dev.output.length;
    await edit(join(b, "functions/hello.js"), "{{", "{");
    await edit(join(b, "functions/hello.js"), "Hello, ${name}!", "Bonjour, ${name}!");
    await dev.waitFor(/functions\/hello\.js: deployed version \d+/, from);
    const invoked = await ok(["functions", "invoke", "hello", "--url", server.app, "--payload", '{"name":"Ada"}']);
    assert.match(invoked.stdout, /Bonjour, Ada!/);

    // The studio with unsaved edits keeps showing its own text; the dev preview follows.
    await studio.getByRole("textbox", { name: /^Source of/ }).click();
    await studio.keyboard.press("ControlOrMeta+End");
    await studio.keyboard.insertText("\n// an unsaved edit\n");
    await studio.getByText("Unsaved changes").waitFor();
    await studioFrame().getByRole("heading", { name: "Hello from a" }).waitFor({ timeout: 30_000 });
    from = dev.output.length;
    await edit(join(b, "pages/hello.tsx"), "<h1>Saved in my editor</h2>", "<h1>Kept</h1>");
    await dev.waitFor(/pages\/hello\.tsx: built in/, from);
    await liveFrame().getByRole("heading", { name: "Kept" }).waitFor({ timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await studioFrame().getByRole("heading", { name: "Kept" }).count(), 0, "the studio keeps its own");

    // `s` saves a version of what changed, `p` publishes it, `q` quits.
    dev.child.stdin.write("s");
    await dev.waitFor(/pages\/hello\.tsx: saved version \d+: built/, from);
    const head = await owner.ok("GET", "/api/v1/projects/default/pages/hello");
    assert.match(head.head.source, /<h1>Kept<\/h1>/);
    from = dev.output.length;
    dev.child.stdin.write("p");
    await dev.waitFor(/pages\/hello\.tsx: published version \d+/, from);
    const published = await owner.ok("GET", "/api/v1/projects/default/pages/hello");
    assert.equal(published.published_version, head.head.number);

    // An editor's save by renaming (the old file set aside, the new one written a moment
    // later) is a save, not a deletion.
    from = dev.output.length;
    const page = join(b, "pages/hello.tsx");
    await rename(page, `${page}~`);
    await new Promise((r) => setTimeout(r, 60));
    await writeFile(page, (await readFile(`${page}~`, "utf8")).replace("<h1>Kept</h1>", "<h1>Saved by rename</h1>"));
    await dev.waitFor(/pages\/hello\.tsx: built in/, from);
    assert.doesNotMatch(dev.output.slice(from), /deleted/);
    await rm(`${page}~`);

    // A file deleted here deletes nothing on the server, and quire dev says so.
    from = dev.output.length;
    await rm(join(b, "functions/hello.js"));
    await dev.waitFor(/functions\/hello\.js: deleted here; the function "hello" stays on the server/, from);
    await owner.ok("GET", "/api/v1/projects/default/functions/hello");
    dev.child.stdin.write("q");
    assert.equal(await dev.exited, 0);
  } finally {
    dev.child.kill();
  }
});

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

test("quire dev --offline compiles here, serves the page sandboxed and runs its functions here", async () => {
  await ok(["init", "c", "--url", "http://127.0.0.1:9"]);
  const c = join(home, "c");
  await writeFile(
    join(c, "functions/hello.js"),
    "async function handler(request, env) {\n  const { name } = await request.json();\n  return Response.json({ greeting: `${env.GREETING}, ${name}!` });\n}\n",
  );
  const port = await freePort();
  const dev = startDev(c, ["--offline", "--listen", `127.0.0.1:${port}`, "--store", NPM_STORE], {
    // Nothing from the network: the packages are in the store, the server is not there.
    QUIRE_NPM_REGISTRY: "http://127.0.0.1:9/",
    QUIRE_SECRET_GREETING: "Salut",
  });
  try {
    await dev.waitFor(/pages\/hello\.tsx: built here in \d+ ms/, 0, 120_000);
    const url = dev.output.match(/pages\/hello\.tsx: (http\S+)/)[1];
    assert.equal(url, `http://127.0.0.1:${port}/p/hello`);
    const page = await browser.page();
    await page.setViewportSize({ width: 1000, height: 700 });
    await page.goto(url);
    const frame = () => page.frameLocator("#stage .frame:not(.next) iframe");
    await frame().getByRole("heading", { name: "Hello" }).waitFor({ timeout: 30_000 });
    await frame().getByRole("button", { name: "Call functions/hello.js" }).click();
    await frame().getByText('{"greeting":"Salut, Quire!"}').waitFor();
    const artifact = page.frames().find((f) => f.url().includes("/a/"));
    assert.equal(await artifact.evaluate(() => window.origin), "null", "the page runs in an opaque origin");

    await page.evaluate(() => (window.quireNoReload = true));
    let from = dev.output.length;
    await edit(join(c, "pages/hello.tsx"), "<h1>Hello</h1>", "<h1>Offline edit</h1>");
    await dev.waitFor(/pages\/hello\.tsx: built here/, from);
    await frame().getByRole("heading", { name: "Offline edit" }).waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => window.quireNoReload), true, "the tab was not reloaded");

    from = dev.output.length;
    await edit(join(c, "pages/hello.tsx"), "<h1>Offline edit</h1>", "<h1>Offline edit</h2>");
    await dev.waitFor(/does not build/, from);
    assert.match(dev.output.slice(from), /error\[[A-Z_]+\][\s\S]*pages\/hello\.tsx:\d+:\d+/);
    dev.child.stdin.write("q");
    assert.equal(await dev.exited, 0);
  } finally {
    dev.child.kill();
  }
});
