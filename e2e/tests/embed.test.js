// The embedded inbox in a real browser: an owner makes an embed in the WhatsApp setup and
// copies its URL; a page served from another loopback port (another origin, as a customer's
// help desk would be) frames it with no Quire session: the conversations, a thread and the
// Page tab with the published page work, a reply goes out in the embed's name, a new message
// arrives live; a page on an origin the
// embed does not name is refused by the browser; a draft is never shown embedded; revoking
// the embed ends it at once. Screenshots of every screen, light, dark and phone width.

import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { signIn } from "../lib/api.js";
import { launch, signInThroughUi } from "../lib/browser.js";
import { startCloudApi } from "../lib/cloudApi.js";
import { screenshots } from "../lib/screens.js";
import { ADMIN, startServer } from "../lib/server.js";
import { deliver, messagesFrom, text } from "../lib/whatsapp.js";

const SUPPORT = {
  name: "Support line",
  phone_number_id: "106540352242922",
  display_phone_number: "15550783881",
  app_secret: "4f2a9c1e7b3d5a8f0e6c2b9d1a7e3f5c",
  access_token: "EAAG-support-line-token",
};
const MARIA = { name: "Maria Lopez", waId: "14155550123" };
const KEN = { name: "Ken Ito", waId: "819012345678" };
const DRAFT_MARKER = "Unreleased layout";

let cloud;
let server;
let browser;
let owner;
let projectId;
let allowed;
let refused;
let embedUrl;
let wamids = 0;

/** A site on a loopback port of its own whose one page frames `embedUrl` (set later). */
function startSite() {
  const site = createServer((request, response) => {
    response.setHeader("content-type", "text/html; charset=utf-8");
    response.end(`<!doctype html><html><head><title>Acme help desk</title>
<style>body{margin:0;font:15px system-ui;background:#f4f5f7}header{padding:12px 20px;background:#1f2937;color:#fff}
iframe{display:block;width:100%;height:calc(100vh - 46px);border:0}</style></head>
<body><header>Acme help desk</header><iframe title="Inbox" src="${embedUrl}"></iframe></body></html>`);
  });
  return new Promise((resolve) => {
    site.listen(0, "127.0.0.1", () => {
      const { port } = site.address();
      resolve({ origin: `http://127.0.0.1:${port}`, close: () => new Promise((r) => site.close(r)) });
    });
  });
}

async function deliverText(contact, body) {
  wamids += 1;
  const message = text(`wamid.EMBED${String(wamids).padStart(6, "0")}`, body);
  await deliver(server.app, projectId, messagesFrom(contact, [message], SUPPORT), SUPPORT.app_secret);
}

before(async () => {
  cloud = await startCloudApi(SUPPORT);
  server = await startServer({ env: { QUIRE_WHATSAPP_API_URL: cloud.url } });
  browser = await launch();
  owner = await signIn(server, ADMIN.email, ADMIN.password);
  const me = await owner.ok("GET", "/api/v1/me");
  projectId = me.projects.find((p) => p.slug === "default").id;
  await owner.ok("POST", "/api/v1/projects/default/whatsapp/connections", SUPPORT);
  await owner.ok("POST", "/api/v1/projects/default/pages", {
    name: "Customer card",
    slug: "customer-card",
    template: "conversation",
    inbox_mount: true,
  });
  await owner.ok("POST", "/api/v1/projects/default/pages/customer-card/publish", {});
  await deliverText(MARIA, "Where is my order #1042?");
  allowed = await startSite();
  refused = await startSite();
});

after(async () => {
  await browser?.close();
  await allowed?.close();
  await refused?.close();
  await server?.stop();
  await cloud?.close();
});

/** The embedded inbox's frame in `page` (the site's), once the app has loaded in it. */
async function inboxFrame(page) {
  const handle = await page.locator("iframe[title=Inbox]").elementHandle();
  const frame = await handle.contentFrame();
  await frame.waitForLoadState("domcontentloaded");
  return frame;
}

test("an owner makes an embed in the WhatsApp setup and gets its code once", async () => {
  const page = await browser.page();
  await page.setViewportSize({ width: 1280, height: 900 });
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password, "/p/default/settings/whatsapp");
  await page.getByRole("heading", { name: "Embedded inboxes" }).waitFor();
  await page.getByText("No embedded inbox yet.").waitFor();
  await page.getByRole("button", { name: "Embed the inbox in another site" }).click();
  const dialog = page.getByRole("dialog", { name: "Embed the inbox in another site" });
  await dialog.getByLabel("Name").fill("Acme help desk");
  await dialog.getByLabel("Sites that may show it").fill(`${allowed.origin}/some/path`);
  await dialog.getByRole("button", { name: "Make the embed" }).click();
  // A path is not an origin: the server says so, and nothing is made.
  await dialog.getByText(/is not an origin/).waitFor();
  await dialog.getByLabel("Sites that may show it").fill(allowed.origin);
  await dialog.getByRole("button", { name: "Make the embed" }).click();
  const code = page.getByRole("dialog", { name: "Your embed code" });
  await code.getByText("this is the only time Quire shows it").waitFor();
  embedUrl = await code.getByLabel("Embed URL").inputValue();
  assert.match(embedUrl, new RegExp(`^${server.app}/embed/inbox\\?token=quire_embed_`));
  assert.match(await code.getByLabel("Embed code").inputValue(), /^<iframe src="/);
  await screenshots(page, "embed-code");
  await code.getByRole("button", { name: "Close" }).click();
  const row = page.locator(".embed-row", { hasText: "Acme help desk" });
  await row.getByText("Active").waitFor();
  await row.getByText(allowed.origin).waitFor();
  assert.equal(await page.getByText(embedUrl).count(), 0, "the token is not shown again");
  await screenshots(page, "whatsapp-setup-embeds");
  await page.close();
});

test("a site on an allowed origin shows the inbox without a session; messages arrive live; the Page tab shows the published page", async () => {
  assert.ok(embedUrl, "the embed of the first test");
  const visitor = await launch();
  try {
    const page = await visitor.page();
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.goto(allowed.origin);
    const frame = await inboxFrame(page);
    await frame.getByRole("heading", { name: "Acme help desk" }).waitFor();
    await frame.getByText(MARIA.name).first().waitFor();
    assert.equal(await frame.getByRole("link", { name: /WhatsApp setup/ }).count(), 0, "no settings");
    await screenshots(page, "embed-inbox");

    // A thread, and the Page tab: the published card with Maria's number, in embedded mode.
    await frame.locator(".conv-link", { hasText: MARIA.name }).click();
    await frame.getByRole("list", { name: "Messages" }).getByText("Where is my order #1042?").waitFor();
    await frame.getByRole("tab", { name: "Page" }).click();
    const cardHandle = await frame.getByRole("tabpanel", { name: "Page" }).locator("iframe").elementHandle();
    const card = await cardHandle.contentFrame();
    await card.waitForURL((url) => url.href.startsWith(`${server.usercontent}/`), { waitUntil: "domcontentloaded" });
    await card.getByRole("heading", { name: MARIA.name }).waitFor();
    await card.getByText(MARIA.waId).first().waitFor();
    assert.equal(await card.evaluate(() => kapso.getContext().system.mode), "embedded");
    assert.equal(await card.evaluate(() => kapso.getContext().system.viewerUserId), null);
    // Auto-resize: the frame grows to the whole card (before the screenshots, which once
    // caught it still short under load).
    const cardHeight = await card.evaluate(() =>
      Math.ceil(document.documentElement.getBoundingClientRect().height),
    );
    await frame.waitForFunction(
      (height) => document.querySelector(".inbox-page-frame iframe")?.getBoundingClientRect().height >= height,
      cardHeight,
    );
    await screenshots(page, "embed-inbox-page-tab");

    // A reply goes out through the Cloud API, in the embed's name.
    const reply = frame.getByRole("textbox", { name: /Reply to Maria Lopez/ });
    await reply.fill("It left our warehouse this morning.");
    await reply.press("Enter");
    const sent = frame.locator(".msg-out").filter({ hasText: "It left our warehouse this morning." });
    await sent.getByRole("img", { name: "Sent" }).waitFor();
    await sent.getByText("Acme help desk (embedded inbox)").waitFor();
    const request = cloud.state.requests.at(-1);
    assert.deepEqual(request.problems, []);
    assert.equal(request.body.to, MARIA.waId);
    assert.equal(request.body.text.body, "It left our warehouse this morning.");
    await screenshots(page, "embed-inbox-reply");

    // A new conversation arrives over the live stream, without a reload.
    const loadedAt = await frame.evaluate(() => performance.timeOrigin);
    await deliverText(KEN, "Can I change the delivery address?");
    await frame.locator(".conv-link", { hasText: KEN.name }).waitFor();
    assert.equal(await frame.evaluate(() => performance.timeOrigin), loadedAt, "no reload");
  } finally {
    await visitor.close();
  }
});

test("a site on an origin the embed does not name cannot frame it", async () => {
  const visitor = await launch();
  try {
    const page = await visitor.page();
    const refusals = [];
    page.on("console", (message) => {
      if (message.text().includes("frame-ancestors")) refusals.push(message.text());
    });
    await page.goto(refused.origin);
    const frame = await inboxFrame(page);
    await page.waitForTimeout(500);
    assert.equal(await frame.locator(".inbox").count(), 0, "the inbox did not load");
    assert.ok(refusals.length > 0, "the browser says frame-ancestors refused it");
    await screenshots(page, "embed-refused");
  } finally {
    await visitor.close();
  }
});

test("a draft is never shown embedded, and revoking the embed ends it at once", async () => {
  // A newer draft of the card: the embedded inbox still shows the published version.
  const card = await owner.ok("GET", "/api/v1/projects/default/pages/customer-card");
  const saved = await owner.ok("PUT", "/api/v1/projects/default/pages/customer-card/source", {
    source: `import { createRoot } from "react-dom/client";
createRoot(document.getElementById("root")!).render(<h1>${DRAFT_MARKER}</h1>);
`,
    base_version: card.head_version,
  });
  assert.ok(saved.build.ok, JSON.stringify(saved.build.diagnostics));

  const visitor = await launch();
  try {
    const page = await visitor.page();
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.goto(allowed.origin);
    let frame = await inboxFrame(page);
    await frame.locator(".conv-link", { hasText: MARIA.name }).click();
    await frame.getByRole("tab", { name: "Page" }).click();
    const shownHandle = await frame.getByRole("tabpanel", { name: "Page" }).locator("iframe").elementHandle();
    const shown = await shownHandle.contentFrame();
    await shown.getByRole("heading", { name: MARIA.name }).waitFor();
    assert.equal(await shown.getByText(DRAFT_MARKER).count(), 0, "the draft is not shown");
    assert.equal(await frame.getByRole("button", { name: "Draft" }).count(), 0, "no way to the draft");

    // Unpublished, the page is gone from the embedded inbox.
    await owner.ok("POST", "/api/v1/projects/default/pages/customer-card/unpublish", {});
    await page.reload();
    frame = await inboxFrame(page);
    await frame.locator(".conv-link", { hasText: MARIA.name }).click();
    await frame.getByRole("tab", { name: "Page" }).click();
    await frame.getByText("No page here yet").waitFor();
    await owner.ok("POST", "/api/v1/projects/default/pages/customer-card/publish", { version: card.head_version });

    // Revoked in the setup: the frame says the inbox no longer works.
    const admin = await browser.page();
    await signInThroughUi(admin, server, ADMIN.email, ADMIN.password, "/p/default/settings/whatsapp");
    await admin.getByRole("button", { name: "Revoke Acme help desk" }).click();
    await admin.getByRole("dialog", { name: "Revoke “Acme help desk”?" }).getByRole("button", { name: "Revoke" }).click();
    await admin.locator(".embed-row", { hasText: "Acme help desk" }).getByText("Revoked").waitFor();
    await admin.close();
    await page.reload();
    frame = await inboxFrame(page);
    await frame.getByRole("heading", { name: "This inbox no longer works" }).waitFor();
    await screenshots(page, "embed-revoked");
  } finally {
    await visitor.close();
  }
});
