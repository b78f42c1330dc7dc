// What `quire serve --demo` shows a first visitor: the Orders dashboard, a page of the demo
// project that reads the week's orders from the project's function `orders`, with its totals,
// a filter, and a refund that goes through the function and lasts; and in the inbox's Page
// tab, the open conversation's customer with their orders from the same function. The pages
// follow the viewer's theme and fit a phone, and so does the dashboard's bar around them.
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
  // Where to go is what `quire serve --demo` printed.
  const printed = server.printed.match(/dashboard +(http\S+)/);
  assert.ok(printed, `the dashboard's address is printed:\n${server.printed}`);
  const page = await browser.page();
  await page.setViewportSize({ width: 1280, height: 800 });
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password, new URL(printed[1]).pathname);
  let frame = await ordersFrame(page);
  assert.equal(await kpi(frame, "Revenue").textContent(), "$1,362.55");
  assert.equal(await kpi(frame, "Orders").textContent(), "11");
  assert.equal(await frame.getByRole("row").count(), 12, "a header and the week's eleven orders");
  await screenshots(page, "demo-orders");

  await frame.getByRole("button", { name: "Awaiting payment" }).click();
  assert.deepEqual(await frame.locator("td.id").allTextContents(), ["#1062", "#1055"]);
  await frame.getByRole("button", { name: "All", exact: true }).click();

  // A refund asks first, goes through the function, and the totals follow.
  await row(frame, "1063").getByRole("button", { name: "Refund order 1063" }).click();
  await row(frame, "1063").getByRole("button", { name: "Refund $89.00" }).click();
  await row(frame, "1063").getByText("Refunded").waitFor();
  assert.equal(await kpi(frame, "Revenue").textContent(), "$1,273.55");
  assert.equal(await row(frame, "1063").getByRole("button").count(), 0, "a refunded order has no refund");

  // The function kept it: a new look at the page shows it refunded still.
  await page.reload();
  frame = await ordersFrame(page);
  await row(frame, "1063").getByText("Refunded").waitFor();

  // On a phone the bar keeps the page's name and its actions on the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  const title = await page.getByRole("heading", { name: "Orders", level: 1 }).boundingBox();
  assert.ok(title.width >= 40, `the page's name is shown (${title.width} px wide)`);
  const console = await page.getByRole("button", { name: "Console" }).boundingBox();
  assert.ok(console.x + console.width <= 390, `Console ends at ${console.x + console.width}`);
  await page.close();
});

test("the demo inbox's Page tab: the open conversation's customer and their orders, refunded there", async () => {
  const page = await browser.page();
  await page.setViewportSize({ width: 1280, height: 800 });
  const printed = server.printed.match(/inbox +(http\S+)/);
  assert.ok(printed, `the inbox's address is printed:\n${server.printed}`);
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password, new URL(printed[1]).pathname);
  await page.getByRole("link", { name: /^Maria Lopez/ }).click();
  await page.getByRole("tab", { name: "Page" }).click();
  const handle = await page.getByRole("tabpanel", { name: "Page" }).locator("iframe").elementHandle();
  const card = await handle.contentFrame();
  await card.getByRole("heading", { name: "Maria Lopez" }).waitFor({ timeout: 60_000 });
  const orders = card.getByRole("list", { name: "Orders" });
  await orders.getByText("#1042").waitFor();
  assert.equal(await orders.getByRole("listitem").count(), 2, "Maria's two orders of the week");
  await screenshots(page, "demo-inbox-customer");

  // The order she asks about, refunded from beside the conversation.
  const order = orders.getByRole("listitem").filter({ hasText: "#1042" });
  await order.getByRole("button", { name: "Refund order 1042" }).click();
  await order.getByRole("button", { name: "Refund $128.40" }).click();
  await order.getByText("Refunded").waitFor();

  // Another conversation: the same frame shows that customer's orders.
  await page.getByRole("link", { name: /^Ken Ito/ }).click();
  await card.getByRole("heading", { name: "Ken Ito" }).waitFor();
  await orders.getByText("#1051").waitFor();
  assert.equal(await orders.getByText("#1042").count(), 0, "nothing of Maria's left");
  await page.close();
});
