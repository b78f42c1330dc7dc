// The live event stream in the browser: a function's history shows a new call without a
// reload and without polling, and when the stream cannot connect the screen says so, retries,
// and catches up once it is back.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { signIn } from "../lib/api.js";
import { deployFunction } from "../lib/fixtures.js";
import { launch, signInThroughUi } from "../lib/browser.js";
import { screenshots } from "../lib/screens.js";
import { ADMIN, startServer } from "../lib/server.js";

let server;
let browser;
let owner;

before(async () => {
  server = await startServer();
  browser = await launch();
  owner = await signIn(server, ADMIN.email, ADMIN.password);
  await deployFunction(owner, {
    slug: "ticker",
    name: "Ticker",
    code: `async function handler(request) {
  const { n } = await request.json();
  return Response.json({ n });
}
`,
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const call = (n) =>
  owner.ok("POST", "/api/v1/projects/default/functions/ticker/invoke", { n });

/** Counts the page's requests for the function's history from now on. */
function countHistoryLoads(page) {
  const counter = { loads: 0 };
  page.on("request", (request) => {
    if (new URL(request.url()).pathname.endsWith("/functions/ticker/invocations")) {
      counter.loads += 1;
    }
  });
  return counter;
}

test("a call shows in the function's history as it happens, without polling", async () => {
  const page = await browser.page();
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password, "/p/default/functions/ticker?tab=history");
  await page.getByText(/No calls yet/).waitFor();
  await page.getByRole("status").filter({ hasText: "Live" }).waitFor();

  // Live, the list asks the server only when there is news: nothing in four seconds of quiet
  // (it used to poll every three).
  const history = countHistoryLoads(page);
  await page.waitForTimeout(4_000);
  assert.equal(history.loads, 0, "no polling while live");

  await call(1);
  const calls = page.getByRole("list", { name: "Calls" });
  await calls.getByRole("button").first().waitFor({ timeout: 5_000 });
  assert.match(await calls.getByRole("button").first().textContent(), /API/);
  await call(2);
  await calls.getByRole("button").nth(1).waitFor({ timeout: 5_000 });
  assert.ok(history.loads >= 2 && history.loads <= 4, `${history.loads} loads for two calls`);
  await screenshots(page, "function-history-live");
  await page.close();
});

test("when the stream cannot connect the history says so, retries and catches up", async () => {
  const page = await browser.page();
  // The stream's requests fail until the route is lifted.
  await page.route("**/api/v1/projects/default/events*", (route) => route.abort("connectionrefused"));
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password, "/p/default/functions/ticker?tab=history");
  const calls = page.getByRole("list", { name: "Calls" });
  await calls.getByRole("button").nth(1).waitFor();
  await page.getByRole("status").filter({ hasText: "Offline" }).waitFor({ timeout: 10_000 });
  await screenshots(page, "function-history-offline");

  await page.unroute("**/api/v1/projects/default/events*");
  await call(3);
  // Back within the retry's pause (at most a few seconds), with the call made meanwhile.
  await page.getByRole("status").filter({ hasText: "Live" }).waitFor({ timeout: 20_000 });
  await calls.getByRole("button").nth(2).waitFor({ timeout: 5_000 });
  await call(4);
  await calls.getByRole("button").nth(3).waitFor({ timeout: 5_000 });
  await page.close();
});
