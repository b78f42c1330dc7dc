// The inbox in a real browser, against a real `quire serve` whose WhatsApp Cloud API base URL
// points at a stand-in (`lib/cloudApi.js`; nothing leaves the machine): a signed webhook
// delivery makes its conversation appear; the Page tab shows the mounted page with that
// conversation's phone number, and switching conversations changes it without reloading the
// frame; a reply reaches the stand-in and shows as sent; a refused one (131047) shows WhatsApp's
// error on the message; the setup screen connects a number and its test event works; members
// use the inbox but not the setup. Screenshots of every screen, light, dark and phone width.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { signIn } from "../lib/api.js";
import { launch, signInThroughUi } from "../lib/browser.js";
import { startCloudApi } from "../lib/cloudApi.js";
import { addMember } from "../lib/fixtures.js";
import { screenshots } from "../lib/screens.js";
import { ADMIN, startServer } from "../lib/server.js";
import { deliver as deliverSigned, messagesFrom as messagesTo } from "../lib/whatsapp.js";

const MEMBER = { email: "agent@example.com", password: "an agent's long password" };

/** The number the tests' deliveries are for, connected in `before` through the API. */
const SUPPORT = {
  name: "Support line",
  phone_number_id: "106540352242922",
  display_phone_number: "15550783881",
  app_secret: "4f2a9c1e7b3d5a8f0e6c2b9d1a7e3f5c",
  access_token: "EAAG-support-line-token",
};

const MARIA = { name: "Maria Lopez", waId: "14155550123" };
const KEN = { name: "Ken Ito", waId: "819012345678" };

let cloud;
let server;
let browser;
let owner;
let projectId;
let wamids = 0;

before(async () => {
  cloud = await startCloudApi(SUPPORT);
  server = await startServer({ env: { QUIRE_WHATSAPP_API_URL: cloud.url } });
  browser = await launch();
  owner = await signIn(server, ADMIN.email, ADMIN.password);
  const me = await owner.ok("GET", "/api/v1/me");
  projectId = me.projects.find((p) => p.slug === "default").id;
  await owner.ok("POST", "/api/v1/projects/default/whatsapp/connections", SUPPORT);
  // The inbox's page: the "Conversation card" template, which follows kapso.on("context").
  await owner.ok("POST", "/api/v1/projects/default/pages", {
    name: "Customer card",
    slug: "customer-card",
    template: "conversation",
    inbox_mount: true,
  });
  await owner.ok("POST", "/api/v1/projects/default/pages/customer-card/publish", {});
  await addMember(server, MEMBER);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await cloud?.close();
});

/** Posts `payload` to the project's webhook, signed with `secret` as Meta signs deliveries. */
function deliver(payload, secret = SUPPORT.app_secret, project = projectId) {
  return deliverSigned(server.app, project, payload, secret);
}

/** Meta's delivery of messages from `contact` to the support line. */
function messagesFrom(contact, messages) {
  return messagesTo(contact, messages, SUPPORT);
}

/** A text message from `contact`, sent `minutesAgo` minutes ago; answers its wamid. */
async function textFrom(contact, text, minutesAgo = 0) {
  wamids += 1;
  const id = `wamid.E2E${String(wamids).padStart(6, "0")}`;
  const timestamp = String(Math.floor(Date.now() / 1000) - minutesAgo * 60);
  await deliver(messagesFrom(contact, [{ id, timestamp, type: "text", text: { body: text } }]));
  return id;
}

/** The conversation with `contact`, as the API lists it. */
async function conversationWith(contact) {
  const { conversations } = await owner.ok(
    "GET",
    `/api/v1/projects/default/conversations?q=${encodeURIComponent(contact.waId)}`,
  );
  const found = conversations.find((c) => c.phone_number === contact.waId);
  assert.ok(found, `a conversation with ${contact.name}`);
  return found;
}

/** The Page tab's frame, once its page has rendered. */
async function pageTabFrame(page) {
  const handle = await page.getByRole("tabpanel", { name: "Page" }).locator("iframe").elementHandle();
  const frame = await handle.contentFrame();
  await frame.waitForURL((url) => url.href.startsWith(`${server.usercontent}/`), { waitUntil: "domcontentloaded" });
  return frame;
}

async function openInbox(path = "/p/default/inbox", who = ADMIN, on = browser) {
  const page = await on.page();
  await page.setViewportSize({ width: 1280, height: 800 });
  await signInThroughUi(page, server, who.email, who.password, path);
  return page;
}

test("an empty inbox says what to do next (owners connect a number, members ask an admin); a page-less Page tab says how to mount one", async () => {
  await owner.ok("POST", "/api/v1/projects", { name: "Quiet shop", slug: "quiet-shop" });
  const page = await openInbox("/p/quiet-shop/inbox");
  await page.getByText("No conversations yet").waitFor();
  await page.getByRole("heading", { name: "The team’s WhatsApp inbox" }).waitFor();
  await screenshots(page, "inbox-empty");
  await page.getByRole("link", { name: "Add it in the WhatsApp setup" }).click();
  await page.waitForURL(/\/p\/quiet-shop\/settings\/whatsapp$/);
  await page.getByRole("heading", { name: "No WhatsApp number connected" }).waitFor();
  await screenshots(page, "whatsapp-setup-empty");

  // A member of a project without conversations is told whom to ask.
  const newcomer = { email: "newcomer@example.com", password: "a newcomer's long password" };
  await addMember(server, newcomer, { project: "quiet-shop" });
  const member = await launch();
  try {
    const seen = await openInbox("/p/quiet-shop/inbox", newcomer, member);
    await seen.getByText(/ask one of them/).waitFor();
    assert.equal(await seen.getByRole("link", { name: /WhatsApp setup|Connect/ }).count(), 0);
    await screenshots(seen, "inbox-empty-member");
  } finally {
    await member.close();
  }

  // A conversation in a project with no page in the inbox: the Page tab says how to mount one.
  const quiet = {
    name: "Quiet line",
    phone_number_id: "106540352242777",
    display_phone_number: "15550783777",
    app_secret: "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
  };
  await owner.ok("POST", "/api/v1/projects/quiet-shop/whatsapp/connections", quiet);
  const delivery = messagesFrom(KEN, [
    { id: "wamid.E2EQUIET1", timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: "Anyone there?" } },
  ]);
  delivery.entry[0].changes[0].value.metadata.phone_number_id = quiet.phone_number_id;
  const quietShop = (await owner.ok("GET", "/api/v1/me")).projects.find((p) => p.slug === "quiet-shop");
  await deliver(delivery, quiet.app_secret, quietShop.id);
  await page.goto(`${server.app}/p/quiet-shop/inbox`);
  await page.getByRole("link", { name: /Ken Ito/ }).click();
  await page.getByRole("tab", { name: "Page" }).click();
  await page.getByText("No page in the inbox yet").waitFor();
  await page.getByRole("link", { name: "New page" }).waitFor();
  await screenshots(page, "inbox-page-tab-empty");
  await page.close();
});

test("a signed delivery makes its conversation appear live, and the thread shows its messages", async () => {
  await textFrom(KEN, "Is the blue one back in stock?", 90);
  const page = await openInbox();
  await page.getByRole("link", { name: /Ken Ito/ }).waitFor();
  await page.getByRole("status").filter({ hasText: "Live" }).waitFor();
  await textFrom(MARIA, "Hi! Where is my order #1042?", 2);
  await textFrom(MARIA, "It was due on Monday.", 1);
  // No reload: the new conversation comes over the live stream.
  const maria = page.getByRole("link", { name: /Maria Lopez, 2 unread/ });
  await maria.waitFor();
  // Newest activity first.
  const names = await page.locator(".conv-list .conv-name").allTextContents();
  assert.deepEqual(names.slice(0, 2), ["Maria Lopez", "Ken Ito"]);
  await screenshots(page, "inbox-list");

  await maria.click();
  const thread = page.getByRole("list", { name: "Messages" });
  await thread.getByText("Where is my order #1042?").waitFor();
  await thread.getByText("It was due on Monday.").waitFor();
  // Opening it marked it read.
  await page.getByRole("link", { name: "Maria Lopez", exact: true }).waitFor();
  assert.equal((await conversationWith(MARIA)).unread_count, 0);
  await screenshots(page, "inbox-thread");
  await page.close();
});

test("the Page tab shows the mounted page with the conversation's number, and follows the conversation without a reload", async () => {
  const maria = await conversationWith(MARIA);
  const ken = await conversationWith(KEN);
  const page = await openInbox(`/p/default/inbox/${maria.id}?tab=page`);
  const frame = await pageTabFrame(page);
  // The card names the number twice: as the phone number and as the WhatsApp contact id.
  await frame.getByText(MARIA.waId).first().waitFor();
  await frame.getByRole("heading", { name: MARIA.name }).waitFor();
  const documentBefore = await frame.evaluate(() => performance.timeOrigin);
  const frameRequests = [];
  page.on("request", (r) => {
    if (/\/frame$/.test(new URL(r.url()).pathname)) frameRequests.push(r.url());
  });
  await screenshots(page, "inbox-page-tab");

  // Another conversation, with the keyboard: the same frame and document, a new context.
  await page.getByRole("link", { name: /Maria Lopez/ }).focus();
  await page.keyboard.press("j");
  await page.keyboard.press("Enter");
  await page.waitForURL((url) => url.pathname.endsWith(`/inbox/${ken.id}`));
  await frame.getByText(KEN.waId).first().waitFor();
  await frame.getByRole("heading", { name: KEN.name }).waitFor();
  assert.equal(await frame.evaluate(() => performance.timeOrigin), documentBefore, "the page was not reloaded");
  assert.equal(await page.locator("iframe").count(), 1);
  assert.equal(frameRequests.length, 1, "one frame grant, for the new conversation's context");
  assert.equal(new URL(page.url()).searchParams.get("tab"), "page", "the tab stays in the URL");

  // Owners and admins may try the head version: the page opens in preview mode, same conversation.
  await page.getByRole("button", { name: "Draft" }).click();
  await page.waitForURL((url) => url.searchParams.get("version") === "draft");
  await page.getByText(/only owners and admins see this version/).waitFor();
  const draft = await pageTabFrame(page);
  await draft.getByRole("heading", { name: KEN.name }).waitFor();
  assert.equal(await draft.evaluate(() => kapso.getContext().system.mode), "preview");
  assert.equal(await draft.evaluate(() => kapso.getContext().system.mountPoint), "inbox_conversation_sidebar");
  await screenshots(page, "inbox-page-tab-draft");
  await page.close();
});

test("a reply reaches the Cloud API stand-in and shows as sent; a refused one shows WhatsApp's error", async () => {
  const maria = await conversationWith(MARIA);
  const page = await openInbox(`/p/default/inbox/${maria.id}`);
  const reply = page.getByRole("textbox", { name: /Reply to Maria Lopez/ });
  await reply.fill("It ships tomorrow morning.");
  await reply.press("Shift+Enter");
  await reply.pressSequentially("Tracking follows by e-mail.");
  await reply.press("Enter");
  const sent = page.locator(".msg-out").filter({ hasText: "It ships tomorrow morning." });
  await sent.getByRole("img", { name: "Sent" }).waitFor();
  const request = cloud.state.requests.at(-1);
  assert.deepEqual(request.problems, []);
  assert.equal(request.body.to, MARIA.waId);
  assert.equal(request.body.text.body, "It ships tomorrow morning.\nTracking follows by e-mail.");
  assert.equal(await reply.inputValue(), "", "the box is empty for the next reply");

  cloud.state.refuse = 131047;
  try {
    await reply.fill("Are you still there?");
    await page.getByRole("button", { name: "Send" }).click();
    const refused = page.locator(".msg-out").filter({ hasText: "Are you still there?" });
    await refused.getByRole("img", { name: "Not delivered" }).waitFor();
    await refused.getByText("Not delivered · error 131047").waitFor();
    await refused.getByText(/more than 24 hours have passed/).waitFor();
  } finally {
    cloud.state.refuse = null;
  }
  await screenshots(page, "inbox-reply-failed");
  await page.close();
});

/** Meta's delivery of `status` for the message `wamid` the support line sent to `contact`. */
function statusOf(contact, wamid, status) {
  const delivery = messagesFrom(contact, []);
  const value = delivery.entry[0].changes[0].value;
  delete value.contacts;
  delete value.messages;
  value.statuses = [
    { id: wamid, status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: contact.waId },
  ];
  return delivery;
}

test("new conversations, messages and statuses appear live, under a live indicator", async () => {
  const maria = await conversationWith(MARIA);
  const page = await openInbox(`/p/default/inbox/${maria.id}`);
  await page.getByRole("status").filter({ hasText: "Live" }).waitFor();
  // A new message in the open conversation shows in the thread, which stays read.
  await textFrom(MARIA, "Are you open on Sunday?");
  await page.getByRole("list", { name: "Messages" }).getByText("Are you open on Sunday?").waitFor();
  await page.getByRole("link", { name: "Maria Lopez", exact: true }).waitFor();
  // A new contact's conversation comes in at the top of the list, unread.
  await textFrom({ name: "Lena Berg", waId: "4917612345678" }, "Do you deliver to Berlin?");
  await page.getByRole("link", { name: /Lena Berg, 1 unread/ }).waitFor();
  assert.equal(await page.locator(".conv-list .conv-name").first().textContent(), "Lena Berg");
  // A reply's statuses follow it: sent, then delivered, then read.
  const reply = page.getByRole("textbox", { name: /Reply to Maria Lopez/ });
  await reply.fill("Yes, from ten to four.");
  await reply.press("Enter");
  const sent = page.locator(".msg-out").filter({ hasText: "Yes, from ten to four." });
  await sent.getByRole("img", { name: "Sent" }).waitFor();
  const wamid = `wamid.STANDIN${String(cloud.state.sent).padStart(4, "0")}`;
  await deliver(statusOf(MARIA, wamid, "delivered"));
  await sent.getByRole("img", { name: "Delivered" }).waitFor();
  await deliver(statusOf(MARIA, wamid, "read"));
  await sent.getByRole("img", { name: "Read" }).waitFor();
  await page.close();
});

test("the setup screen connects a number, and its test event lands in the inbox", async () => {
  const page = await openInbox("/p/default/settings/whatsapp");
  await page.getByRole("heading", { name: SUPPORT.name }).waitFor();
  await page.getByRole("button", { name: "Add a number" }).click();
  const dialog = page.getByRole("dialog", { name: "Connect a WhatsApp number" });
  await dialog.getByLabel("Name").fill("Sales line");
  await dialog.getByLabel("Phone number id").fill("106540352242999");
  await dialog.getByLabel(/Display number/).fill("15550783999");
  await dialog.getByLabel(/App secret/).fill("9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e");
  await screenshots(page, "whatsapp-connect-dialog");
  await dialog.getByRole("button", { name: "Connect" }).click();
  await dialog.waitFor({ state: "detached" });
  const card = page.getByRole("article", { name: "Sales line" });
  await card.getByText("No access token").waitFor();
  const webhook = await card.getByRole("textbox", { name: "Callback URL" }).inputValue();
  assert.equal(webhook, `${server.app}/api/v1/projects/${projectId}/webhooks/whatsapp`);
  const token = await card.getByRole("textbox", { name: "Verify token" }).inputValue();
  // Meta's handshake with that token answers the challenge.
  const handshake = await fetch(`${webhook}?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`);
  assert.equal(await handshake.text(), "1158201444");

  await card.getByRole("button", { name: "Send a test event" }).click();
  await card.getByText(/A signed test delivery went through the webhook/).waitFor();
  await screenshots(page, "whatsapp-setup");
  await card.getByRole("link", { name: "Open the conversation" }).click();
  await page.waitForURL(/\/inbox\/[^/?]+$/);
  await page.getByRole("heading", { name: "Quire test" }).waitFor();
  // Two numbers now: the list names each conversation's, and filters by one.
  await page.getByRole("combobox", { name: "Number" }).waitFor();
  // This number has no access token: the composer says so instead of failing on send.
  await page.getByText(/has no access token, so Quire cannot send replies/).waitFor();
  await screenshots(page, "inbox-no-token");
  await page.close();
});

test("search, the unread filter and the keyboard find a conversation", async () => {
  await textFrom({ name: "Ana Souza", waId: "5511987654321" }, "Can I change the delivery address?");
  const page = await openInbox();
  await page.getByRole("link", { name: /Ana Souza, 1 unread/ }).waitFor();
  await page.keyboard.press("/");
  const searchField = page.getByRole("searchbox", { name: "Search conversations" });
  assert.equal(await searchField.evaluate((el) => el === document.activeElement), true, "/ focuses the search");
  await page.keyboard.type("order #1042");
  await page.waitForURL((url) => url.searchParams.get("q") === "order #1042");
  await page.getByRole("link", { name: /Maria Lopez/ }).waitFor();
  await page.getByRole("link", { name: /Ana Souza/ }).waitFor({ state: "detached" });
  await page.keyboard.press("Escape"); // clears the search
  await page.keyboard.press("Escape"); // leaves the field
  await page.getByRole("button", { name: "Unread" }).click();
  await page.getByRole("link", { name: /Ana Souza, 1 unread/ }).waitFor();
  await page.getByRole("link", { name: /Maria Lopez/ }).waitFor({ state: "detached" });
  await page.keyboard.press("j");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Ana Souza" }).waitFor();
  await page.keyboard.press("Escape");
  await page.waitForURL((url) => url.pathname === "/p/default/inbox" && url.searchParams.get("unread") === "1");
  await page.close();
});

test("the list loads 30 conversations at a time, and the next ones as it scrolls", async () => {
  // One batched delivery from 32 customers, all of last week: below everyone else.
  const customers = Array.from({ length: 32 }, (_, i) => ({
    name: `Customer ${String(i + 1).padStart(2, "0")}`,
    waId: `3161234${String(i + 1).padStart(4, "0")}`,
  }));
  const weekAgo = Math.floor(Date.now() / 1000) - 7 * 24 * 3600;
  const delivery = messagesFrom(customers[0], []);
  const value = delivery.entry[0].changes[0].value;
  value.contacts = customers.map((c) => ({ profile: { name: c.name }, wa_id: c.waId }));
  value.messages = customers.map((c, i) => ({
    from: c.waId,
    id: `wamid.E2EBATCH${String(i).padStart(3, "0")}`,
    timestamp: String(weekAgo + i * 60),
    type: "text",
    text: { body: `Question number ${i + 1}` },
  }));
  await deliver(delivery);
  const page = await openInbox();
  const rows = page.locator(".conv-list .conv-link");
  await page.getByRole("link", { name: /^Customer 32/ }).waitFor();
  assert.equal(await rows.count(), 30, "the first page");
  assert.equal(await page.getByRole("link", { name: /^Customer 01/ }).count(), 0);
  // Scrolling to the end of the list brings the rest.
  await rows.last().scrollIntoViewIfNeeded();
  await page.getByRole("link", { name: /^Customer 01/ }).waitFor();
  const total = await rows.count();
  assert.ok(total > 30, `${total} rows after scrolling`);
  // Between two and three panes (a laptop's width), the details open over the thread.
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.getByRole("link", { name: /^Customer 01/ }).click();
  await page.getByRole("button", { name: "Details" }).click();
  await page.getByRole("tabpanel", { name: "Info" }).getByText("Customer 01").waitFor();
  await screenshots(page, "inbox-details-overlay");
  await page.keyboard.press("Escape");
  await page.waitForURL((url) => url.searchParams.get("details") === null);
  await page.close();
});

test("the Info tab shows the contact and keeps metadata that owners edit; members read it", async () => {
  const maria = await conversationWith(MARIA);
  const page = await openInbox(`/p/default/inbox/${maria.id}`);
  const info = page.getByRole("tabpanel", { name: "Info" });
  await info.getByText("+1 415 555 0123").waitFor();
  await info.getByRole("button", { name: "Edit" }).click();
  const editor = info.getByLabel("Metadata (JSON)");
  await editor.fill('{"plan": "pro",');
  await info.getByText(/Not valid JSON/).waitFor();
  assert.equal(await info.getByRole("button", { name: "Save" }).isDisabled(), true);
  await editor.fill('{"plan": "pro", "order": 1042}');
  await info.getByRole("button", { name: "Save" }).click();
  // Saved once the editor gives way to the metadata as the server answered it. (The editor
  // holds the same text from the moment it is typed, so waiting for the text alone does not
  // wait for the save.)
  await info.locator("pre.metadata-view").getByText('"order": 1042').waitFor();
  // The server keeps it.
  assert.deepEqual((await conversationWith(MARIA)).metadata, { plan: "pro", order: 1042 });
  await screenshots(page, "inbox-info");
  // The page beside the conversation reads the metadata as its context's `metadata`.
  await page.getByRole("tab", { name: "Page" }).click();
  const frame = await pageTabFrame(page);
  await frame.getByText("1042").waitFor();
  // On a phone, the details are a screen of their own, with a way back to the thread.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole("button", { name: "Details" }).click();
  await page.waitForURL((url) => url.searchParams.get("details") === "1");
  await page.getByRole("button", { name: "← Conversation" }).waitFor();
  await page.setViewportSize({ width: 1280, height: 800 });
  await screenshots(page, "inbox-details");
  await page.close();
});

test("members read and answer conversations, but have no setup; the list names who replied last", async () => {
  const maria = await conversationWith(MARIA);
  await owner.ok("POST", `/api/v1/projects/default/conversations/${maria.id}/messages`, {
    text: "Your refund is on its way.",
  });
  const member = await launch();
  try {
    const page = await openInbox("/p/default/inbox", MEMBER, member);
    const preview = page.getByRole("link", { name: /Maria Lopez/ }).locator(".conv-preview");
    await preview.filter({ hasText: /^Admin: Your refund is on its way\.$/ }).waitFor();
    await page.getByRole("link", { name: /Maria Lopez/ }).click();
    const reply = page.getByRole("textbox", { name: /Reply to Maria Lopez/ });
    await reply.fill("And the receipt by e-mail.");
    await reply.press("Enter");
    await preview.filter({ hasText: /^You: And the receipt by e-mail\.$/ }).waitFor();
    await page.locator(".msg-out").filter({ hasText: "And the receipt by e-mail." }).getByRole("img", { name: "Sent" }).waitFor();
    assert.match(await preview.textContent(), /^You: /, "the send's answer leaves the author as it is");
    assert.equal(await page.getByRole("link", { name: "WhatsApp setup" }).count(), 0);
    const info = page.getByRole("tabpanel", { name: "Info" });
    await info.getByText('"plan": "pro"').waitFor();
    assert.equal(await info.getByRole("button", { name: "Edit" }).count(), 0);
    await screenshots(page, "inbox-member");
    await page.goto(`${server.app}/p/default/settings/whatsapp`);
    await page.getByRole("heading", { name: "Only owners and admins set up WhatsApp" }).waitFor();
    const session = await signIn(server, MEMBER.email, MEMBER.password);
    const denied = await session.request("GET", "/api/v1/projects/default/whatsapp/connections");
    assert.equal(denied.status, 403);
    await page.close();
  } finally {
    await member.close();
  }
});

test("the demo inbox: photos, voice notes, documents, places, stickers, reactions and button replies read well", async () => {
  const demo = await startServer({ args: ["--demo"] });
  const viewer = await launch();
  try {
    const page = await viewer.page();
    await page.setViewportSize({ width: 1280, height: 800 });
    await signInThroughUi(page, demo, ADMIN.email, ADMIN.password, "/p/demo/inbox");
    const thread = page.getByRole("list", { name: "Messages" });
    const open = async (name) => {
      await page.getByRole("link", { name: new RegExp(`^${name}`) }).click();
      await page.getByRole("heading", { name, exact: true }).waitFor();
    };
    await open("Ken Ito");
    await thread.getByText("Photo", { exact: true }).waitFor();
    await thread.getByText("image/jpeg").waitFor();
    await thread.getByText("the box arrived like this").waitFor();
    await thread.getByText("Tapped a button").waitFor();
    await thread.getByText("Yes, please").waitFor();
    await screenshots(page, "inbox-demo-media");
    await open("Maria Lopez");
    // The contact's 👍 sits on the reply it reacts to.
    const reacted = page.locator(".msg-out").filter({ hasText: "left our warehouse" });
    await reacted.getByLabel("Reactions: 👍").waitFor();
    await reacted.getByRole("img", { name: "Read" }).waitFor();
    await open("Ana Souza");
    await thread.getByText("Avenida Paulista, 1578", { exact: true }).waitFor();
    await thread.getByRole("link", { name: /open the map/ }).waitFor();
    await open("Lukas Becker");
    await thread.getByText("Voice message").waitFor();
    await thread.getByText("Sticker", { exact: true }).waitFor();
    await screenshots(page, "inbox-demo-voice");
    await open("Priya Patel");
    await thread.getByText("invoice-1063.pdf").waitFor();
    // The demo number has no access token: the composer says why it cannot send.
    await page.getByText(/has no access token/).waitFor();
    await open("quietfox");
    await page.getByRole("tab", { name: "Page" }).click();
    const handle = await page.getByRole("tabpanel", { name: "Page" }).locator("iframe").elementHandle();
    const frame = await handle.contentFrame();
    await frame.getByRole("heading", { name: "quietfox" }).waitFor();
    await screenshots(page, "inbox-demo-username");
  } finally {
    await viewer.close();
    await demo.stop();
  }
});
