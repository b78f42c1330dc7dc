// Public links in a real browser: an owner shares a published page from its view (Share →
// functions → Create a link) and copies the URL once; someone with no session opens it and
// the page works, including the function the link lists; a function it does not list is
// refused; a newer draft is never shown; revoking the link (or unpublishing the page) ends it
// with a page that says so. Screenshots light, dark and phone width.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { signIn } from "../lib/api.js";
import { launch, signInThroughUi } from "../lib/browser.js";
import { ECHO_FUNCTION, createPage, deployFunction } from "../lib/fixtures.js";
import { screenshots } from "../lib/screens.js";
import { ADMIN, startServer } from "../lib/server.js";

/** A status page that calls a listed function and one the link will not list. */
const STATUS_PAGE = `import React, { useState } from "react";
import { createRoot } from "react-dom/client";

function App() {
  const [out, setOut] = useState("Nothing yet");
  const call = async (slug: string) => {
    await kapso.ready();
    try {
      const data = await kapso.invokeFunction({ slug, payload: { order: 1042 } });
      setOut(JSON.stringify(data));
    } catch (error) {
      setOut("Error: " + (error instanceof Error ? error.message : String(error)));
    }
  };
  return (
    <main style={{ fontFamily: "system-ui", padding: 24 }}>
      <h1>Order status</h1>
      <p>Mode: {kapso.getContext()?.system.mode ?? "…"}</p>
      <button onClick={() => call("order-status")}>Track</button>{" "}
      <button onClick={() => call("internal-report")}>Report</button>
      <pre>{out}</pre>
    </main>
  );
}
createRoot(document.getElementById("root")!).render(<App />);
`;

let server;
let browser;
let owner;
let linkUrl;

before(async () => {
  server = await startServer();
  browser = await launch();
  owner = await signIn(server, ADMIN.email, ADMIN.password);
  for (const slug of ["order-status", "internal-report"]) {
    await deployFunction(owner, { slug, code: ECHO_FUNCTION });
  }
  await createPage(owner, { slug: "order-status-page", name: "Order status", source: STATUS_PAGE });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("an owner shares a published page and gets its link once", async () => {
  const page = await browser.page();
  await page.setViewportSize({ width: 1280, height: 860 });
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password, "/p/default/pages/order-status-page");
  await page.getByRole("button", { name: "Share" }).click();
  const dialog = page.getByRole("dialog", { name: "Share “Order status”" });
  await dialog.getByText("No link yet.").waitFor();
  await dialog.getByRole("checkbox", { name: /order-status/ }).check();
  await dialog.getByRole("button", { name: "Create a link" }).click();
  linkUrl = await dialog.getByLabel("The new link").inputValue();
  assert.match(linkUrl, new RegExp(`^${server.app}/s/quire_link_`));
  await dialog.locator(".share-link").getByText("Calls order-status").waitFor();
  await screenshots(page, "share-dialog");
  await page.close();
});

test("someone without an account opens the link: the page works with the function it lists, and no other", async () => {
  assert.ok(linkUrl, "the link of the first test");
  const visitor = await launch();
  try {
    const page = await visitor.page();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(linkUrl);
    const handle = await page.locator("iframe").elementHandle();
    const frame = await handle.contentFrame();
    await frame.getByRole("heading", { name: "Order status" }).waitFor();
    await frame.getByText("Mode: public").waitFor();
    await frame.getByRole("button", { name: "Track" }).click();
    await frame.getByText(/"from":"quire-function"/).waitFor();
    await frame.getByRole("button", { name: "Report" }).click();
    await frame.getByText(/Error: .*not allowed from a public link/).waitFor();
    await screenshots(page, "public-link");
  } finally {
    await visitor.close();
  }
});

test("a draft is never shown through a link, and revoking it ends it at once", async () => {
  const current = await owner.ok("GET", "/api/v1/projects/default/pages/order-status-page");
  const saved = await owner.ok("PUT", "/api/v1/projects/default/pages/order-status-page/source", {
    source: STATUS_PAGE.replace("<h1>Order status</h1>", "<h1>Unreleased draft</h1>"),
    base_version: current.head_version,
  });
  assert.ok(saved.build.ok, JSON.stringify(saved.build.diagnostics));
  const visitor = await launch();
  try {
    const page = await visitor.page();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(linkUrl);
    const frame = await (await page.locator("iframe").elementHandle()).contentFrame();
    await frame.getByRole("heading", { name: "Order status" }).waitFor();
    assert.equal(await frame.getByText("Unreleased draft").count(), 0);

    const { links } = await owner.ok("GET", "/api/v1/projects/default/pages/order-status-page/public-links");
    await owner.ok("DELETE", `/api/v1/projects/default/pages/order-status-page/public-links/${links[0].id}`);
    const response = await page.reload();
    assert.equal(response.status(), 404);
    await page.getByRole("heading", { name: "This link no longer works" }).waitFor();
    await screenshots(page, "public-link-gone");
  } finally {
    await visitor.close();
  }
});
