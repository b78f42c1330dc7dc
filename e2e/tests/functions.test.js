// Functions, driven as a person would: create one from a template, break it (the load error
// shows at its line), fix and deploy it, try it in the test panel, give it a secret and see it
// used, read the call in the history, count calls in the list, view it as a member, delete it.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { signIn } from "../lib/api.js";
import { addMember, createPage, deployFunction } from "../lib/fixtures.js";
import { launch, signInThroughUi } from "../lib/browser.js";
import { screenshots } from "../lib/screens.js";
import { ADMIN, startServer } from "../lib/server.js";

const MEMBER = { email: "functions-member@example.com", password: "another long password" };

const BROKEN = `async function handler(request, env) {
  const n = 1;
  return { n: n + };
}
`;

const FIXED = `async function handler(request, env) {
  const { name = "visits" } = await request.json();
  const count = Number((await env.KV.get(name)) ?? 0) + 1;
  await env.KV.put(name, String(count));
  console.log("token is", env.API_TOKEN);
  return Response.json({ name, count, token_length: (env.API_TOKEN ?? "").length });
}
`;

let server;
let browser;
let owner;

before(async () => {
  server = await startServer();
  browser = await launch();
  owner = await signIn(server, ADMIN.email, ADMIN.password);
  await addMember(server, MEMBER);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Replaces the editor's whole text, as a person pasting would. */
async function setCode(page, text) {
  await page.getByRole("textbox", { name: "Function code" }).click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText(text);
}

/** `count` anonymous calls of a public function, `width` at a time; the statuses seen. */
async function callMany(path, count, width) {
  const statuses = new Map();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const response = await fetch(`${server.app}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "load" }),
      });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return Object.fromEntries(statuses);
}

test("a function from a template: break it, fix it, deploy, test, secret, history", async () => {
  const page = await browser.page();
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password, "/p/default/functions");
  await page.getByRole("heading", { name: "No functions yet" }).waitFor();
  await screenshots(page, "functions-empty");

  await page.getByRole("button", { name: "New function" }).first().click();
  const dialog = page.getByRole("dialog", { name: "New function" });
  await dialog.getByLabel("Name").fill("Order lookup");
  assert.equal(await dialog.getByRole("textbox", { name: /^Slug/ }).inputValue(), "order-lookup", "the slug follows the name");
  await dialog.getByText("KV counter", { exact: true }).click();
  await screenshots(page, "new-function");
  await dialog.getByRole("button", { name: "Create function" }).click();
  await page.waitForURL(/\/functions\/order-lookup$/);
  const editor = page.getByRole("textbox", { name: "Function code" });
  await editor.waitFor();
  assert.match(await editor.textContent(), /env\.KV\.get/, "the template's code");

  // Completion knows the runtime.
  await page.getByRole("textbox", { name: "Function code" }).click();
  await page.keyboard.press("ControlOrMeta+End");
  await page.keyboard.insertText("\nenv.KV.");
  await page.getByRole("option", { name: /^put/ }).waitFor();
  await page.keyboard.press("Escape");

  // Broken code: saved, and its load error shows at its line, inline and in Problems.
  await setCode(page, BROKEN);
  await page.keyboard.press("ControlOrMeta+s");
  const problems = page.getByRole("region", { name: "Problems" });
  await problems.getByText(/runtime 3:/).waitFor();
  await page.locator(".cm-lintRange-error").first().waitFor();
  await screenshots(page, "function-load-error");
  await problems.getByRole("button").first().click();
  assert.equal(
    await page.locator(".cm-activeLine").textContent(),
    "  return { n: n + };",
    "picking the problem puts the cursor on its line",
  );

  // Fixed and deployed.
  await setCode(page, FIXED);
  await page.getByRole("button", { name: "Deploy" }).click();
  await page.locator(".fn-bar").getByText("Deployed", { exact: true }).waitFor();
  assert.equal(await page.locator(".cm-lintRange-error").count(), 0, "no problem left");
  const toasts = page.locator(".toasts");
  await toasts.getByText("Saved v3").waitFor();
  assert.equal(await toasts.getByText(/it does not load/).count(), 0, "the good save's toast replaced the warning");

  // A secret, set from the screen: only its name comes back.
  await page.getByRole("tab", { name: "Secrets" }).click();
  await page.getByText("No secrets yet.").waitFor();
  await page.getByLabel("Name", { exact: true }).fill("API_TOKEN");
  await page.getByLabel("Value").fill("tok-0123456789");
  await page.getByRole("button", { name: "Set", exact: true }).click();
  await page.getByRole("list", { name: "Secrets" }).getByText("API_TOKEN").waitFor();
  await screenshots(page, "function-secrets");

  // The test panel runs it and shows the response, the console (secret cut out) and time.
  await page.getByRole("tab", { name: "Test" }).click();
  await page.getByLabel("Payload").fill('{ "name": "orders" }');
  await page.getByRole("button", { name: "Run" }).click();
  const result = page.getByRole("region", { name: "Test result" });
  await result.getByLabel("Response status").getByText("200").waitFor();
  const body = JSON.parse(await result.getByLabel("Response body").textContent());
  assert.deepEqual(body, { name: "orders", count: 1, token_length: 14 }, "the secret is used");
  assert.equal((await result.getByLabel("Console output").textContent()).trim(), "token is [secret]");
  assert.match(await result.textContent(), /\d+ ms/);
  await screenshots(page, "function-test");

  // A thrown error shows with its stack.
  await setCode(page, FIXED.replace("const count", 'if (name === "boom") throw new Error("boom!");\n  const count'));
  await page.getByLabel("Payload").fill('{ "name": "boom" }');
  await page.getByRole("button", { name: "Run" }).click();
  await result.getByLabel("Error").getByText(/function_error: boom!/).waitFor();
  assert.match(await result.getByLabel("Error").textContent(), /at handler/, "the stack");

  // The history lists both calls; one opens to its logs.
  await page.getByRole("tab", { name: "History" }).click();
  const calls = page.getByRole("list", { name: "Calls" });
  await calls.getByRole("button").nth(1).waitFor();
  assert.equal(await calls.getByRole("button").count(), 2);
  await page.getByLabel("Outcome").selectOption("error");
  await page.waitForURL(/outcome=error/);
  assert.equal(await calls.getByRole("button").count(), 1, "only the failed call");
  await calls.getByRole("button").first().click();
  await page.getByLabel("Call error").getByText(/boom!/).waitFor();
  await screenshots(page, "function-history");
  await page.reload();
  await page.getByLabel("Call error").getByText(/boom!/).waitFor({ timeout: 30_000 });

  // Settings: public endpoint with its URL and a curl example.
  await page.getByRole("tab", { name: "Settings" }).click();
  await page.getByLabel(/Public endpoint/).check();
  await page.getByText("Settings saved").waitFor();
  assert.match(await page.getByLabel("Invoke URL").textContent(), /\/functions\/order-lookup\/invoke$/);
  assert.doesNotMatch(await page.getByLabel("curl example").textContent(), /Authorization/);
  await screenshots(page, "function-settings");
  await page.close();
});

test("a page calls the function, and the call is in its history as the page's", async () => {
  await deployFunction(owner, {
    slug: "greeter",
    code: `async function handler(request) {
  const { who } = await request.json();
  return Response.json({ greeting: "hello " + who });
}
`,
  });
  await createPage(owner, {
    slug: "greeting",
    name: "Greeting",
    source: `import React, { useState } from "react";
import { createRoot } from "react-dom/client";
function App() {
  const [text, setText] = useState("none yet");
  async function greet() {
    await kapso.ready();
    const answer = await kapso.invokeFunction<{ greeting: string }>({ slug: "greeter", payload: { who: "Ada" } });
    setText(answer.greeting);
  }
  return (<main><button onClick={greet}>Greet</button><output>{text}</output></main>);
}
createRoot(document.getElementById("root")!).render(<App />);
`,
  });
  const page = await browser.page();
  await page.goto(`${server.app}/p/default/pages/greeting`);
  const frame = page.frameLocator("iframe");
  await frame.getByRole("button", { name: "Greet" }).click();
  await frame.getByText("hello Ada").waitFor({ timeout: 30_000 });

  await page.goto(`${server.app}/p/default/functions/greeter?tab=history`);
  const calls = page.getByRole("list", { name: "Calls" });
  await calls.getByRole("button").first().waitFor({ timeout: 30_000 });
  assert.equal(await calls.getByRole("button").count(), 1);
  assert.match(await calls.getByRole("button").first().textContent(), /Page/);
  await page.close();
});

test("the list counts every call of the last 24 hours", async () => {
  await owner.ok("POST", "/api/v1/projects/default/functions", {
    name: "Counted",
    slug: "counted",
    code: FIXED,
    public_endpoint: true,
  });
  await owner.ok("POST", "/api/v1/projects/default/functions/counted/deploy", {});
  const path = "/api/v1/projects/default/functions/counted/invoke";
  assert.deepEqual(await callMany(path, 30, 4), { 200: 30 });

  const page = await browser.page();
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password, "/p/default/functions");
  const row = page.getByRole("listitem").filter({ has: page.getByRole("link", { name: "Counted" }) });
  await row.getByLabel(/Calls of Counted/).getByText("30", { exact: true }).waitFor();

  const started = Date.now();
  assert.deepEqual(await callMany(path, 1500, 8), { 200: 1500 });
  const seconds = (Date.now() - started) / 1000;
  console.log(`1,500 calls took ${seconds.toFixed(1)} s`);
  await page.reload();
  await row.getByLabel(/Calls of Counted/).getByText("1,530", { exact: true }).waitFor();
  assert.match(await row.textContent(), /✓ 200 Public · just now/, "the last call and its outcome");
  await screenshots(page, "functions-list");
  await page.close();
});

test("a member reads the deployed code and the history, and nothing else", async () => {
  const page = await browser.page();
  await signInThroughUi(page, server, MEMBER.email, MEMBER.password, "/p/default/functions/order-lookup");
  const editor = page.getByRole("textbox", { name: "Function code" });
  await editor.waitFor();
  assert.equal(await editor.getAttribute("contenteditable"), "false", "read-only");
  assert.equal(await page.getByRole("button", { name: "Deploy" }).count(), 0);
  assert.deepEqual(await page.getByRole("tab").allTextContents(), ["History"]);
  await page.getByRole("list", { name: "Calls" }).waitFor();
  await screenshots(page, "function-member");
  await page.close();
});

test("deleting a function asks first, then it is gone", async () => {
  const page = await browser.page();
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password, "/p/default/functions/counted?tab=settings");
  await page.getByRole("button", { name: "Delete function" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete “Counted”?" });
  await confirm.getByText(/cannot be undone/).waitFor();
  await confirm.getByRole("button", { name: "Delete function" }).click();
  await page.waitForURL(/\/functions$/);
  await page.getByRole("link", { name: "Order lookup" }).waitFor();
  assert.equal(await page.getByRole("link", { name: "Counted" }).count(), 0);
  const gone = await owner.request("GET", "/api/v1/projects/default/functions/counted");
  assert.equal(gone.status, 404);
  await page.close();
});
