// What `quire serve --demo` shows a first visitor beyond the inbox: the Orders dashboard, a
// page of the demo project that reads the week's orders from the project's function `orders`,
// with its totals, a filter, and a refund that goes through the function and lasts. It
// follows the viewer's theme and fits a phone, and so does the dashboard's bar around it.
// Screenshots light, dark and phone width.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch, signInThroughUi } from "../lib/browser.js";
import { screenshots } from "../lib/screens.js";
import { ADMIN, startServer } from "../lib/server.js";

let server;
let browser;

before(async () => {
  server = await startServer({ args: ["--demo"] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The dashboard's page frame, once the page has shown its orders. */
async function ordersFrame(page) {
  const handle = await page.waitForSelector(".dashboard-frame iframe");
  const frame = await handle.contentFrame();
  await frame.waitForURL((url) => url.href.startsWith(`${server.usercontent}/`), { waitUntil: "domcontentloaded" });
  await frame.getByRole("table", { name: "Orders", exact: true }).waitFor({ timeout: 60_000 });
  return frame;
}

const kpi = (frame, label) => frame.locator(".kpi", { hasText: label }).locator("strong");
const row = (frame, id) => frame.getByRole("row").filter({ hasText: `#${id}` });

test("the demo's Orders dashboard: totals, a filter, and a refund through its function that lasts", async () => {
  const page = await browser.page();
  await page.setViewportSize({ width: 1280, height: 800 });
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password, "/p/demo/pages/orders");
  let frame = await ordersFrame(page);
  assert.equal(await kpi(frame, "Revenue").textContent(), "$1,335.75");
  assert.equal(await kpi(frame, "Orders").textContent(), "10");
  assert.equal(await frame.getByRole("row").count(), 11, "a header and the week's ten orders");
  await screenshots(page, "demo-orders");

  await frame.getByRole("button", { name: "Awaiting payment" }).click();
  assert.deepEqual(await frame.locator("td.id").allTextContents(), ["#1047", "#1042"]);
  await frame.getByRole("button", { name: "All", exact: true }).click();

  // A refund asks first, goes through the function, and the totals follow.
  await row(frame, "1048").getByRole("button", { name: "Refund order 1048" }).click();
  await row(frame, "1048").getByRole("button", { name: "Refund $128.40" }).click();
  await row(frame, "1048").getByText("Refunded").waitFor();
  assert.equal(await kpi(frame, "Revenue").textContent(), "$1,207.35");
  assert.equal(await row(frame, "1048").getByRole("button").count(), 0, "a refunded order has no refund");

  // The function kept it: a new look at the page shows it refunded still.
  await page.reload();
  frame = await ordersFrame(page);
  await row(frame, "1048").getByText("Refunded").waitFor();

  // On a phone the bar keeps the page's name and its actions on the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  const title = await page.getByRole("heading", { name: "Orders", level: 1 }).boundingBox();
  assert.ok(title.width >= 40, `the page's name is shown (${title.width} px wide)`);
  const console = await page.getByRole("button", { name: "Console" }).boundingBox();
  assert.ok(console.x + console.width <= 390, `Console ends at ${console.x + console.width}`);
  await page.close();
});
