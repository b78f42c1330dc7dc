// Two `quire serve` instances over one PostgreSQL database, as behind a load balancer: a
// message delivered to one appears live in a browser signed in to the other, because live
// events are database rows announced with NOTIFY, not an instance's memory. Skipped without
// QUIRE_TEST_DATABASE_URL (scripts/test sets it when PostgreSQL runs).

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { signIn } from "../lib/api.js";
import { launch, signInThroughUi } from "../lib/browser.js";
import { screenshots } from "../lib/screens.js";
import { ADMIN, freshPostgresDatabase, startServer } from "../lib/server.js";
import { deliver, messagesFrom, text } from "../lib/whatsapp.js";

const NUMBER = { phone_number_id: "106540352242922", display_phone_number: "15550783881" };
const APP_SECRET = "two-instances-app-secret";

let database;
let first;
let second;
let browser;

before(async () => {
  database = await freshPostgresDatabase();
  if (!database) return;
  const secretKey = randomBytes(32).toString("hex");
  // One at a time: the first creates the schema and the owner, the second finds them.
  first = await startServer({ databaseUrl: database.url, secretKey });
  second = await startServer({ databaseUrl: database.url, secretKey });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await first?.stop();
  await second?.stop();
  await database?.drop();
});

test("a message delivered to one instance appears live in a browser on the other", async (t) => {
  if (!database) {
    t.skip("QUIRE_TEST_DATABASE_URL is not set");
    return;
  }
  const owner = await signIn(first, ADMIN.email, ADMIN.password);
  const me = await owner.ok("GET", "/api/v1/me");
  const projectId = me.projects.find((p) => p.slug === "default").id;
  await owner.ok("POST", "/api/v1/projects/default/whatsapp/connections", {
    name: "Support line",
    ...NUMBER,
    app_secret: APP_SECRET,
  });

  const page = await browser.page();
  await page.setViewportSize({ width: 1280, height: 800 });
  await signInThroughUi(page, second, ADMIN.email, ADMIN.password, "/p/default/inbox");
  await page.getByText("Live", { exact: true }).waitFor();

  const ana = { name: "Ana Souza", waId: "5511987654321" };
  const message = text("wamid.TWOINSTANCES000001", "Olá! Is my order on its way?");
  await deliver(first.app, projectId, messagesFrom(ana, [message], NUMBER), APP_SECRET);

  // No reload: the second instance heard of it through the database.
  await page.getByRole("link", { name: /Ana Souza/ }).waitFor({ timeout: 10_000 });
  await page.getByText("Olá! Is my order on its way?").first().waitFor();
  await screenshots(page, "inbox-second-instance");
  await page.close();
});
