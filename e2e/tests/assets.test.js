// Page assets in a real browser: a page that imports an image, a font, a JSON file and a CSV
// file renders with them (the image from the usercontent origin, the font readable from the
// page's opaque origin); an SVG asset opened on its own does not run the script inside it;
// a new content under the same name leaves the published page as it was until the next
// publish. In the studio, the assets drawer uploads a file, previews it, and deletes it after
// saying what that does.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { signIn } from "../lib/api.js";
import { launch, signInThroughUi } from "../lib/browser.js";
import { screenshots } from "../lib/screens.js";
import { ADMIN, startServer } from "../lib/server.js";

const PAGE = `import React, { useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import logo from "./logo.svg";
import font from "./brand.woff2";
import data from "./data.json";
import rows from "./rows.csv";

function App() {
  const [image, setImage] = useState("image loading");
  const [fontState, setFontState] = useState("font loading");
  useEffect(() => {
    fetch(font)
      .then((r) => r.arrayBuffer())
      .then((b) => setFontState("font bytes " + b.byteLength), (e) => setFontState("font error " + e));
  }, []);
  return (
    <main>
      <h1>{data.title}</h1>
      <pre>{rows}</pre>
      <img alt="logo" src={logo}
        onLoad={(e) => setImage("image width " + e.currentTarget.naturalWidth)}
        onError={() => setImage("image error")} />
      <p>{image}</p>
      <p>{fontState}</p>
      <p data-testid="logo-url">{logo}</p>
    </main>
  );
}
createRoot(document.getElementById("root")!).render(<App />);
`;

/** An SVG over the inlining size (so the page links to it) whose script marks the document. */
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30">
<script>document.documentElement.setAttribute("data-ran", "yes")</script>
<rect width="40" height="30" fill="teal"/>
<!-- ${"padding ".repeat(700)} -->
</svg>`;

/** WOFF2's signature and a CFF flavor, which is all the server reads of a font. */
const FONT = Buffer.concat([Buffer.from("wOF2OTTO"), Buffer.alloc(6000, 7)]);

let server;
let browser;
let owner;

async function upload(name, bytes) {
  const res = await fetch(`${server.app}/api/v1/projects/default/assets?name=${name}`, {
    method: "POST",
    headers: { cookie: owner.cookie, "x-csrf-token": owner.csrf, "content-type": "application/octet-stream" },
    body: bytes,
  });
  const body = await res.json();
  assert.ok(res.status === 200 || res.status === 201, `${name}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Opens the page's published version on its own in a tab (no host: the page needs none). */
async function openPublished(tab) {
  const frame = await owner.ok("POST", "/api/v1/projects/default/pages/branded/frame", { mode: "regular" });
  await tab.goto(frame.url);
}

before(async () => {
  server = await startServer();
  browser = await launch();
  owner = await signIn(server, ADMIN.email, ADMIN.password);
  await upload("logo.svg", SVG);
  await upload("brand.woff2", FONT);
  await upload("data.json", JSON.stringify({ title: "Orders of the week" }));
  await upload("rows.csv", "name,total\nAda,3\n");
  await owner.ok("POST", "/api/v1/projects/default/pages", { name: "Branded", slug: "branded" });
  const saved = await owner.ok("PUT", "/api/v1/projects/default/pages/branded/source", { source: PAGE });
  assert.ok(saved.build.ok, JSON.stringify(saved.build.diagnostics));
  await owner.ok("POST", "/api/v1/projects/default/pages/branded/publish", {});
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("a page renders with its image, font, JSON and CSV assets", async () => {
  const tab = await browser.page();
  await openPublished(tab);
  await tab.getByRole("heading", { name: "Orders of the week" }).waitFor();
  await tab.getByText("Ada,3").waitFor();
  await tab.getByText("image width 40").waitFor();
  await tab.getByText(`font bytes ${FONT.length}`).waitFor();
  const url = await tab.getByTestId("logo-url").textContent();
  assert.ok(url.startsWith(`${server.usercontent}/u/`), url);
  await tab.close();
});

test("an SVG asset opened on its own runs no script; the same SVG without the policy would", async () => {
  const tab = await browser.page();
  const list = await owner.ok("GET", "/api/v1/projects/default/assets");
  const svg = list.assets.find((a) => a.name === "logo.svg");
  const response = await tab.goto(svg.url);
  assert.equal(response.headers()["content-type"], "image/svg+xml");
  await tab.locator("rect").waitFor({ state: "attached" });
  assert.equal(await tab.evaluate(() => document.documentElement.getAttribute("data-ran")), null);

  // The control: the same bytes from a route without the policy do run, so the check above
  // would see a script that ran.
  await tab.route("http://svg-control.test/logo.svg", (route) =>
    route.fulfill({ status: 200, contentType: "image/svg+xml", body: SVG }),
  );
  await tab.goto("http://svg-control.test/logo.svg");
  await tab.locator("rect").waitFor({ state: "attached" });
  assert.equal(await tab.evaluate(() => document.documentElement.getAttribute("data-ran")), "yes");
  await tab.close();
});

test("new content under an asset's name reaches the published page only with the next publish", async () => {
  await upload("data.json", JSON.stringify({ title: "Second edition" }));
  const tab = await browser.page();
  await openPublished(tab);
  await tab.getByRole("heading", { name: "Orders of the week" }).waitFor();
  const saved = await owner.ok("PUT", "/api/v1/projects/default/pages/branded/source", { source: PAGE });
  assert.ok(saved.build.ok, JSON.stringify(saved.build.diagnostics));
  await openPublished(tab);
  await tab.getByRole("heading", { name: "Orders of the week" }).waitFor();
  await owner.ok("POST", "/api/v1/projects/default/pages/branded/publish", {});
  await openPublished(tab);
  await tab.getByRole("heading", { name: "Second edition" }).waitFor();
  await tab.close();
});

test("the studio's assets drawer uploads, previews and deletes an asset", async () => {
  const tab = await browser.page();
  await tab.setViewportSize({ width: 1280, height: 860 });
  await signInThroughUi(tab, server, ADMIN.email, ADMIN.password, "/p/default/pages/branded/edit");
  await tab.getByRole("button", { name: "Assets" }).click();
  const drawerFirst = tab.getByRole("dialog", { name: "Assets" });
  await drawerFirst.getByRole("button", { name: "Delete data.json" }).click();
  const warning = tab.getByRole("dialog", { name: "Delete data.json?" });
  await warning.getByText("Used by Branded.").waitFor();
  await warning.getByRole("button", { name: "Cancel" }).click();
  const drawer = tab.getByRole("dialog", { name: "Assets" });
  const list = drawer.getByRole("list", { name: "Assets" });
  await list.getByRole("button", { name: "Delete logo.svg" }).waitFor();
  await drawer.getByLabel("Upload assets").setInputFiles({
    name: "badge.svg",
    mimeType: "image/svg+xml",
    buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24"><circle r="12" cx="12" cy="12" fill="tomato"/></svg>'),
  });
  const row = list.getByRole("listitem").filter({ hasText: "badge.svg" });
  await row.getByText('import badge from "./badge.svg";').waitFor();
  // The preview comes from the usercontent origin, which the app's policy lets images load from.
  await tab.waitForFunction(() =>
    [...document.querySelectorAll(".asset-preview img")].some((img) => img.naturalWidth === 24),
  );
  assert.equal(new URL(tab.url()).searchParams.get("panel"), "assets");
  await screenshots(tab, "studio-assets");
  await row.getByRole("button", { name: "Delete badge.svg" }).click();
  const confirm = tab.getByRole("dialog", { name: "Delete badge.svg?" });
  await confirm.getByText(/Saved versions that use it keep it/).waitFor();
  await confirm.getByRole("button", { name: "Delete" }).click();
  await row.waitFor({ state: "detached" });
  const left = await owner.ok("GET", "/api/v1/projects/default/assets");
  assert.ok(!left.assets.some((a) => a.name === "badge.svg"));
  await tab.close();
});
