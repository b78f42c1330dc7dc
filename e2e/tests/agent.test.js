// The page agent in the studio, against a stand-in chat completions endpoint (e2e/lib/
// chatModel.js) that answers from a script: a first answer with a syntax error and an import
// that does not exist, a second that builds but throws in the preview, a third that works. The
// stand-in holds back the first answer's last piece until the test has seen the answer in the
// editor. Then: a reply that never builds, a stop in the middle, the endpoint down, and a
// server with no model configured.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { signIn } from "../lib/api.js";
import { launch, signInThroughUi } from "../lib/browser.js";
import { startChatModel } from "../lib/chatModel.js";
import { screenshots } from "../lib/screens.js";
import { ADMIN, startServer } from "../lib/server.js";

const API_KEY = "sk-stand-in-key-0d1f7a9c3e";
const MAX_ATTEMPTS = 4;
const PROMPT = "A list of the recent orders with their totals";

const fence = (code) => `Here is the page.\n\n\`\`\`tsx\n${code}\`\`\`\n`;

// A missing ")" on line 12 and an import of a module the project does not have.
const BROKEN = `import React, { useState } from "react";
import { createRoot } from "react-dom/client";
import { formatMoney } from "./money";

function App() {
  const [total] = useState(0);
  return (
    <main>
      <h1>Orders</h1>
      <p>{formatMoney(total)}</p>
    </main>
  ;
}

createRoot(document.getElementById("root")!).render(<App />);
`;

// Builds, then throws while rendering.
const THROWS = `import React from "react";
import { createRoot } from "react-dom/client";

type Order = { id: string; total: number };

function App() {
  const orders = (undefined as unknown as { recent: Order[] }).recent;
  return (
    <main>
      <h1>Orders</h1>
      <p>{orders.length} orders</p>
    </main>
  );
}

createRoot(document.getElementById("root")!).render(<App />);
`;

const CLEAN = `import React, { useState } from "react";
import { createRoot } from "react-dom/client";

type Order = { id: string; total: number };

const ORDERS: Order[] = [
  { id: "A-1001", total: 42 },
  { id: "A-1002", total: 17.5 },
];

function App() {
  const [orders] = useState<Order[]>(ORDERS);
  return (
    <main style={{ fontFamily: "system-ui", padding: 24 }}>
      <h1>Recent orders</h1>
      <ul>
        {orders.map((order) => (
          <li key={order.id}>
            {order.id}: {order.total.toFixed(2)}
          </li>
        ))}
      </ul>
    </main>
  );
}

createRoot(document.getElementById("root")!).render(<App />);
`;

let model;
let server;
let browser;
let owner;

before(async () => {
  model = await startChatModel();
  server = await startServer({
    env: {
      QUIRE_AI_URL: model.url,
      QUIRE_AI_MODEL: "stand-in-coder",
      QUIRE_AI_API_KEY: API_KEY,
      QUIRE_AGENT_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    },
  });
  browser = await launch();
  owner = await signIn(server, ADMIN.email, ADMIN.password);
  const page = await browser.page();
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password, "/p/default");
  await page.close();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await model?.stop();
});

async function studio(slug, shows = "New page") {
  await owner.ok("POST", "/api/v1/projects/default/pages", { name: slug, slug, template: "blank" });
  const page = await browser.page();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${server.app}/p/default/pages/${slug}/edit`);
  await preview(page, shows);
  return page;
}

/** The preview's frame, once its page shows the heading `name`. */
async function preview(page, name) {
  const frame = page.frameLocator(".preview-frame:not(.preview-frame-next) iframe");
  await frame.getByRole("heading", { name }).waitFor({ timeout: 60_000 });
  return frame;
}

/** Waits until the editor's text (lines joined, as CodeMirror renders them) passes `check`. */
async function editorText(page, check, what) {
  const editor = page.getByRole("textbox", { name: /^Source of/ });
  const deadline = Date.now() + 30_000;
  let text = "";
  while (Date.now() < deadline) {
    text = (await editor.textContent()) ?? "";
    if (check(text)) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the editor never showed ${what}; it has: ${text}`);
}

async function ask(page, prompt) {
  await page.getByRole("button", { name: "Ask for a change" }).click();
  const panel = page.getByRole("region", { name: "Page agent" });
  await panel.getByRole("textbox").fill(prompt);
  return panel;
}

async function versions(slug) {
  return owner.ok("GET", `/api/v1/projects/default/pages/${slug}/versions`);
}

const lastUserMessage = (request) => request.body.messages.filter((m) => m.role === "user").at(-1).content;

test("a page is written, fixed from the compiler's and the preview's errors, and kept as drafts", async () => {
  const page = await studio("orders");
  const before = (await versions("orders")).length;
  model.script({ text: fence(BROKEN), hold: true, pieces: 3 }, { text: fence(THROWS) }, { text: fence(CLEAN) });
  const panel = await ask(page, PROMPT);
  await screenshots(page, "agent-prompt");
  const held = model.held();
  await panel.getByRole("button", { name: "Ask" }).click();
  await held;

  // Streaming, proven: the answer is in the editor while its last piece is still held back.
  const partial = await editorText(page, (t) => t.includes('import { formatMoney } from "./money";'), "the first lines");
  assert.ok(!partial.includes("createRoot(document"), "the last piece has not been sent yet");
  const source = page.getByRole("textbox", { name: /^Source of/ });
  assert.equal(await source.getAttribute("contenteditable"), "false", "nobody types under the agent");
  await panel.getByText(/Attempt 1 of 4 · writing/).waitFor();
  await screenshots(page, "agent-streaming");
  model.release();

  await panel.getByText(/Version \d+ builds and renders cleanly/).waitFor({ timeout: 90_000 });
  await preview(page, "Recent orders");
  assert.equal(await source.getAttribute("contenteditable"), "true", "editable again");
  await screenshots(page, "agent-done");

  // Three requests: the prompt, then the compiler's diagnostics, then the preview's error.
  assert.equal(model.requests.length, 3);
  const [first, second, third] = model.requests;
  assert.equal(first.body.model, "stand-in-coder");
  assert.equal(first.body.stream, true);
  assert.deepEqual(first.body.stream_options, { include_usage: true });
  assert.equal(first.authorization, `Bearer ${API_KEY}`);
  assert.match(first.body.messages[0].content, /interface Kapso/, "the bridge's declarations");
  assert.match(first.body.messages[0].content, /localStorage/, "the page rules");
  assert.match(lastUserMessage(first), /current source[\s\S]*<h1>New page<\/h1>[\s\S]*A list of the recent orders/);
  const fixBuild = lastUserMessage(second);
  assert.match(fixBuild, /did not build/);
  assert.match(fixBuild, /at line 1[23], column \d+/, "where the syntax error is");
  assert.match(fixBuild, /> +1[23] \|/, "its code frame");
  const fixRender = lastUserMessage(third);
  assert.match(fixRender, /uncaught error: .*recent/, "the preview's uncaught error");

  // Two attempts built: two draft versions, marked as generated with the prompt; none published.
  const after = await versions("orders");
  assert.equal(after.length, before + 2);
  assert.deepEqual(
    after.slice(0, 2).map((v) => [v.generated?.attempt, v.generated?.prompt]),
    [
      [3, PROMPT],
      [2, PROMPT],
    ],
  );
  assert.ok(after.slice(0, 2).every((v) => !v.published && v.build.ok));
  await panel.getByText("the preview found 1 problem").waitFor();

  // The run in the audit log with its token counts (the stand-in's 1,200 + 300 per answer).
  const audit = await owner.ok("GET", "/api/v1/projects/default/audit?action=page.generate");
  const entry = audit[0];
  assert.equal(entry.details.outcome, "done");
  assert.equal(entry.details.attempts, 3);
  assert.equal(entry.details.prompt_tokens, 3600);
  assert.equal(entry.details.completion_tokens, 900);
  assert.ok(!server.log.includes(API_KEY), "the key is never logged");
  await page.close();
});

test("a reply that never builds stops at the cap with the last diagnostics shown", async () => {
  const page = await studio("never");
  const before = (await versions("never")).length;
  const requestsBefore = model.requests.length;
  for (let i = 0; i < MAX_ATTEMPTS; i++) model.script({ text: fence(BROKEN), usage: null });
  const panel = await ask(page, "Anything");
  await panel.getByRole("button", { name: "Ask" }).click();
  await panel.getByText(`the page still has problems after ${MAX_ATTEMPTS} attempts`, { exact: false }).waitFor({ timeout: 60_000 });
  await panel.getByText("token counts unknown", { exact: false }).waitFor();
  const last = panel.getByRole("list", { name: `Problems of attempt ${MAX_ATTEMPTS}` });
  await last.getByRole("button").first().waitFor();
  assert.equal(model.requests.length - requestsBefore, MAX_ATTEMPTS);
  assert.equal((await versions("never")).length, before, "nothing built, nothing saved");
  await screenshots(page, "agent-exhausted");
  await page.close();
});

test("a run stopped in the middle ends, keeps what was saved and stops asking", async () => {
  const page = await studio("stopped");
  const before = (await versions("stopped")).length;
  const requestsBefore = model.requests.length;
  model.script({ text: fence(CLEAN), hold: true, pieces: 8 });
  const panel = await ask(page, "Something long");
  const held = model.held();
  await panel.getByRole("button", { name: "Ask" }).click();
  await held;
  await editorText(page, (t) => t.includes("type Order"), "the answer so far");
  await panel.getByRole("button", { name: "Stop" }).click();
  await panel.getByText("Stopped. The versions saved so far stay as drafts.", { exact: false }).waitFor();
  await panel.getByText("the run ended before it finished").waitFor();
  const deadline = Date.now() + 5_000;
  while (!model.closed.includes(requestsBefore + 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(model.closed.includes(requestsBefore + 1), "the request to the model was dropped");
  assert.equal(model.requests.length, requestsBefore + 1);
  assert.equal((await versions("stopped")).length, before);
  await screenshots(page, "agent-stopped");
  await page.close();
});

test("a new page described in the New page dialog is written with the function it needs, as a draft", async () => {
  const page = await browser.page();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${server.app}/p/default?new=1`);
  const dialog = page.getByRole("dialog", { name: "New page" });
  await dialog.getByLabel("Name").fill("Described");
  await dialog.getByLabel("Description (optional)").fill("The last 10 orders, from a function that returns them");
  await dialog.getByText("Describe it", { exact: true }).click();
  await dialog.getByRole("button", { name: "Create page" }).click();
  await page.waitForURL(/\/edit\?panel=agent$/);
  const panel = page.getByRole("region", { name: "Page agent" });
  const request = panel.getByRole("textbox", { name: "Describe a page" });
  assert.equal(await request.inputValue(), "The last 10 orders, from a function that returns them");
  const requestsBefore = model.requests.length;
  const drafted = "```js function:last-orders\nasync function handler(request, env) {\n  return Response.json([]);\n}\n```\n";
  model.script({ text: `${fence(CLEAN)}\nAnd the function:\n\n${drafted}` });
  await panel.getByRole("button", { name: "Generate" }).click();
  await panel.getByText(/Version 1 builds and renders cleanly/).waitFor({ timeout: 60_000 });
  await panel.getByText("Drafted the function", { exact: false }).waitFor();
  await preview(page, "Recent orders");
  assert.match(lastUserMessage(model.requests[requestsBefore]), /^Write this page: The last 10 orders/);
  const fn = await owner.ok("GET", "/api/v1/projects/default/functions/last-orders");
  assert.equal(fn.status, "draft", "drafted, not deployed");
  await screenshots(page, "agent-new-page");
  await page.close();
});

test("quire pages generate prints each attempt's diagnostics and ends with a draft that builds", async () => {
  const { token } = await owner.ok("POST", "/api/v1/tokens", { name: "cli" });
  const requestsBefore = model.requests.length;
  model.script({ text: fence(BROKEN) }, { text: fence(CLEAN) });
  const { stdout, stderr } = await server.cli([
    "pages",
    "generate",
    "A list of orders",
    "--slug",
    "from-cli",
    "--url",
    server.app,
    "--token",
    token,
  ]);
  assert.match(stderr, /Created page "from-cli"/);
  assert.match(stderr, /Attempt 1: asking[\s\S]*does not build:[\s\S]*error\[/);
  assert.match(stderr, /Attempt 2: asking[\s\S]*builds[\s\S]*saved as version 1/);
  assert.match(stdout, /Version 1 of "from-cli" builds\. It is a draft/);
  assert.equal(model.requests.length, requestsBefore + 2);
  assert.match(lastUserMessage(model.requests[requestsBefore + 1]), /did not build/);
  const versions = await owner.ok("GET", "/api/v1/projects/default/pages/from-cli/versions");
  assert.equal(versions[0].generated.prompt, "A list of orders");
});

test("an endpoint that is down ends the run with what to check", async () => {
  await model.stop();
  const page = await studio("down");
  const panel = await ask(page, "Anything");
  await panel.getByRole("button", { name: "Ask" }).click();
  await panel.getByText(/could not be reached.*check QUIRE_AI_URL/).waitFor({ timeout: 30_000 });
  await panel.getByText("Did not finish").waitFor();
  await page.close();
});

test("without a model the studio says which settings to give, and runs are refused", async () => {
  const bare = await startServer();
  try {
    const session = await signIn(bare, ADMIN.email, ADMIN.password);
    await session.ok("POST", "/api/v1/projects/default/pages", { name: "Bare", slug: "bare", template: "blank" });
    const refused = await session.request("POST", "/api/v1/projects/default/pages/bare/agent/runs", { prompt: "x" });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, "agent_not_configured");
    const page = await browser.page();
    await page.setViewportSize({ width: 1280, height: 800 });
    await signInThroughUi(page, bare, ADMIN.email, ADMIN.password, "/p/default/pages/bare/edit");
    await page.getByRole("button", { name: "Ask for a change" }).click();
    const panel = page.getByRole("region", { name: "Page agent" });
    await panel.getByText("The page agent needs a model").waitFor();
    for (const name of ["QUIRE_AI_URL", "QUIRE_AI_MODEL", "QUIRE_AI_API_KEY"]) {
      await panel.getByText(name, { exact: true }).waitFor();
    }
    await screenshots(page, "agent-not-configured");
    await page.close();
  } finally {
    await bare.stop();
  }
});
