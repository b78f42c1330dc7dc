// The app around the pages: what an unknown address shows, and a session that outlives the
// browser's storage.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch, signInThroughUi } from "../lib/browser.js";
import { screenshots } from "../lib/screens.js";
import { ADMIN, startServer } from "../lib/server.js";

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("an address that matches no screen shows the app's own 'Nothing here'", async () => {
  const page = await browser.page();
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password);
  const response = await page.goto(`${server.app}/no/such/screen`);
  assert.equal(response.status(), 404);
  await page.getByRole("heading", { name: "Nothing here" }).waitFor();
  await screenshots(page, "nothing-here");
  await page.getByRole("link", { name: "Go back to your projects" }).click();
  await page.getByRole("heading", { name: "Projects" }).waitFor();
  await page.close();
});

test("a live session cookie is enough: with local storage cleared the app keeps working", async () => {
  const page = await browser.page();
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password);
  await page.evaluate(() => localStorage.clear());
  await page.goto(`${server.app}/`);
  await page.getByRole("heading", { name: "Projects" }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/", "not sent back to sign-in");
  await screenshots(page, "projects");
  // A write needs the session's CSRF token, which came back from /me.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL((url) => url.pathname === "/login");
  const status = await page.evaluate(async () => (await fetch("/api/v1/me")).status);
  assert.equal(status, 401, "the sign-out went through, so the session is over");
  await page.close();
});
