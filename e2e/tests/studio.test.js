// The page studio, driven as a new user would: create a page from each template, break it
// and fix it while the preview follows, save, publish, view it as a member, compare two
// versions, roll back, resolve a conflicting save, delete.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { signIn } from "../lib/api.js";
import { addMember } from "../lib/fixtures.js";
import { launch, signInThroughUi } from "../lib/browser.js";
import { screenshots } from "../lib/screens.js";
import { ADMIN, startServer } from "../lib/server.js";

const MEMBER = { email: "studio-member@example.com", password: "another long password" };

/** What each template's first render shows, to know it rendered. */
const TEMPLATES = [
  { title: "Blank", name: "Blank start", shows: { role: "heading", name: "New page" } },
  { title: "Function call", name: "Loader", shows: { role: "button", name: "Load" } },
  { title: "Table", name: "Customer table", shows: { role: "heading", name: "Customers" } },
  { title: "Conversation card", name: "Contact card", shows: { role: "heading", name: "Ada Lovelace" } },
  { title: "Chart", name: "Weekly chart", shows: { role: "heading", name: "Messages per day" } },
];

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

/** The preview's frame, once its page has rendered `shows`. */
async function preview(page, shows) {
  const frame = page.frameLocator(".preview-frame:not(.preview-frame-next) iframe");
  await frame.getByRole(shows.role, { name: shows.name }).waitFor({ timeout: 60_000 });
  return frame;
}

async function versionCount(slug) {
  const versions = await owner.ok("GET", `/api/v1/projects/default/pages/${slug}/versions`);
  return versions.length;
}

/** Replaces the editor's whole text by typing it (as a person pasting would). */
async function setText(page, text) {
  const editor = page.getByRole("textbox", { name: /^Source of/ });
  await editor.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText(text);
}

test("a page from each template compiles and renders in the studio's preview", async () => {
  const page = await browser.page();
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password, "/p/default");
  await page.getByRole("heading", { name: "No pages yet" }).waitFor();
  await screenshots(page, "pages-empty");
  for (const [index, template] of TEMPLATES.entries()) {
    await page.goto(`${server.app}/p/default`);
    await page.getByRole("button", { name: "New page" }).click();
    const dialog = page.getByRole("dialog", { name: "New page" });
    await dialog.getByLabel("Name").fill(template.name);
    assert.equal(
      await dialog.getByLabel("Slug").inputValue(),
      template.name.toLowerCase().replace(/ /g, "-"),
      "the slug follows the name",
    );
    await dialog.getByText(template.title, { exact: true }).click();
    if (index === 0) await screenshots(page, "new-page");
    await dialog.getByRole("button", { name: "Create page" }).click();
    await page.waitForURL(/\/edit$/);
    await preview(page, template.shows);
    if (index === 3) await screenshots(page, "studio-conversation");
  }
  await page.goto(`${server.app}/p/default`);
  await page.getByRole("link", { name: "Customer table" }).waitFor();
  await screenshots(page, "pages");
  await page.close();
});

test("a slug that is taken or malformed is said so in the dialog, and nothing is created", async () => {
  const page = await browser.page();
  await page.goto(`${server.app}/p/default?new=1`);
  const dialog = page.getByRole("dialog", { name: "New page" });
  await dialog.getByLabel("Name").fill("Anything");
  await dialog.getByLabel("Slug").fill("Not A Slug");
  await dialog.getByText(/Use a–z, 0–9/).waitFor();
  await dialog.getByLabel("Slug").fill("blank-start");
  await dialog.getByRole("button", { name: "Create page" }).click();
  await dialog.getByText(/taken|exists/i).waitFor();
  await page.close();
});

test("break, fix, save, publish, view as a member, compare, roll back, delete", async () => {
  await owner.ok("POST", "/api/v1/projects/default/pages", {
    name: "Flow",
    slug: "flow",
    template: "blank",
  });
  const page = await browser.page();
  await page.goto(`${server.app}/p/default/pages/flow/edit`);
  await preview(page, { role: "heading", name: "New page" });
  const before = await versionCount("flow");

  // A syntax error on line 7: the problem is listed at that line and the preview keeps the
  // last good render.
  const broken = [
    'import React from "react";',
    'import { createRoot } from "react-dom/client";',
    "",
    "function App() {",
    "  return (",
    '    <main style={{ padding: 24 }}>',
    "      <h1>Broken page</h2>",
    "    </main>",
    "  );",
    "}",
    "",
    'const root = document.getElementById("root");',
    "if (root) createRoot(root).render(<App />);",
    "",
  ].join("\n");
  await setText(page, broken);
  const problems = page.getByRole("region", { name: "Problems" });
  await problems.getByRole("button", { name: /7:\d+/ }).waitFor({ timeout: 30_000 });
  await page.getByText("showing the last good render").waitFor();
  await page.locator(".cm-lintRange-error").first().waitFor();
  await screenshots(page, "studio-broken");
  await problems.getByRole("button", { name: /7:\d+/ }).click();

  // Fixed: the preview follows the text.
  await setText(page, broken.replace("Broken page</h2>", "Fixed page</h1>"));
  await preview(page, { role: "heading", name: "Fixed page" });
  assert.equal(await versionCount("flow"), before, "typing creates no version");

  // Save with Ctrl/Cmd-S, then publish.
  await page.keyboard.press("ControlOrMeta+s");
  await page.getByText(`Saved version ${before + 1}`).waitFor();
  assert.equal(await versionCount("flow"), before + 1);
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await page.getByText(`Published version ${before + 1}`).waitFor();
  await screenshots(page, "studio");

  // A member sees the published page, and no editor.
  const memberBrowser = await launch();
  try {
    const memberPage = await memberBrowser.page();
    await signInThroughUi(memberPage, server, MEMBER.email, MEMBER.password, "/p/default");
    await memberPage.getByRole("link", { name: "Flow" }).click();
    await memberPage.waitForURL(/\/pages\/flow$/);
    await memberPage
      .frameLocator("iframe")
      .getByRole("heading", { name: "Fixed page" })
      .waitFor({ timeout: 30_000 });
    assert.equal(await memberPage.getByRole("link", { name: "Edit" }).count(), 0);
    await memberPage.goto(`${server.app}/p/default/pages/flow/edit`);
    await memberPage.getByRole("heading", { name: "Only owners and admins edit pages" }).waitFor();
    await screenshots(memberPage, "member-view");
  } finally {
    await memberBrowser.close();
  }

  // Versions: compare the first with the second, then publish the first again (a rollback).
  await page.getByRole("button", { name: "Versions" }).click();
  const drawer = page.getByRole("dialog", { name: "Versions" });
  await drawer.getByRole("button", { name: new RegExp(`^v${before}\\b`) }).click();
  await drawer.getByLabel("Compare with").selectOption(String(before + 1));
  await drawer.locator(".cm-mergeView").waitFor();
  await screenshots(page, "versions-diff");
  await drawer.getByRole("button", { name: "Publish this version" }).click();
  await page.getByRole("dialog", { name: `Publish version ${before}?` }).getByRole("button", { name: `Publish v${before}` }).click();
  await page.getByText(`Version ${before} is now served`).waitFor();
  const rolledBack = await owner.ok("GET", "/api/v1/projects/default/pages/flow");
  assert.equal(rolledBack.published_version, before);
  await page.keyboard.press("Escape");

  // Delete, with confirmation.
  await page.goto(`${server.app}/p/default`);
  await page.getByRole("button", { name: "Delete Flow" }).click();
  await page.getByRole("dialog", { name: "Delete “Flow”?" }).getByRole("button", { name: "Delete page" }).click();
  await page.getByText("Deleted “Flow”").waitFor();
  const gone = await owner.request("GET", "/api/v1/projects/default/pages/flow");
  assert.equal(gone.status, 404);
  await page.close();
});

test("on a phone the studio's bar keeps one row: the other actions are in More", async () => {
  await owner.ok("POST", "/api/v1/projects/default/pages", {
    name: "Pocket",
    slug: "pocket",
    template: "blank",
  });
  await owner.ok("POST", "/api/v1/projects/default/pages/pocket/publish", {});
  const page = await browser.page();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${server.app}/p/default/pages/pocket/edit`);
  await preview(page, { role: "heading", name: "New page" });
  const more = page.getByRole("button", { name: "More" });
  const row = [
    page.getByRole("button", { name: "Ask for a change" }),
    more,
    page.getByRole("button", { name: "Save", exact: true }),
    page.getByRole("button", { name: "Publish", exact: true }),
  ];
  const tops = await Promise.all(row.map(async (button) => Math.round((await button.boundingBox()).y)));
  assert.ok(Math.max(...tops) - Math.min(...tops) <= 2, `the actions sit at ${tops.join(", ")}`);
  assert.equal(await page.getByRole("button", { name: "Versions" }).count(), 0, "Versions is in the menu");

  await more.click();
  const menu = page.getByRole("menu", { name: "More actions" });
  const items = await menu.getByRole("menuitem").allInnerTexts();
  assert.deepEqual(items, ["Versions", "Assets", "Settings", "View", "Unpublish"]);
  await screenshots(page, "studio-more");
  // The keyboard moves as in any menu: from the first action down, around from the top, to the end.
  const focused = () => page.evaluate(() => document.activeElement?.textContent);
  assert.equal(await focused(), "Versions", "the first action takes the focus");
  await page.keyboard.press("ArrowDown");
  assert.equal(await focused(), "Assets");
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("ArrowUp");
  assert.equal(await focused(), "Unpublish", "ArrowUp from the first goes around to the last");
  await page.keyboard.press("Home");
  assert.equal(await focused(), "Versions");
  await page.keyboard.press("End");
  assert.equal(await focused(), "Unpublish");
  await page.keyboard.press("Escape");
  await menu.waitFor({ state: "detached" });
  assert.ok(await more.evaluate((button) => button === document.activeElement), "Escape gives the focus back to More");

  await more.click();
  await page.keyboard.press("Tab");
  await menu.waitFor({ state: "detached" });
  assert.ok(
    await more.evaluate((button) => button === document.activeElement),
    "Tab closes the menu and gives the focus back to More, not to the editor",
  );

  // Stacked, the preview's place holds its open console whole (the studio scrolls to it),
  // and the drawers take the whole width.
  const pageConsole = page.locator(".preview-console");
  const place = await pageConsole.boundingBox();
  const lines = await pageConsole.locator("#preview-console").boundingBox();
  const [end, placeEnd] = [lines.y + lines.height, place.y + place.height];
  assert.ok(end <= placeEnd + 1, `the console ends at ${end}, below its place (${placeEnd})`);
  await pageConsole.getByRole("button", { name: "Close" }).click();
  await pageConsole.getByRole("button", { name: "Console" }).waitFor();
  // Closed, it stays closed on the next visit, until it is opened again.
  await page.reload();
  await preview(page, { role: "heading", name: "New page" });
  await pageConsole.getByRole("button", { name: "Console" }).click();
  await page.locator("#preview-console").waitFor();

  await more.click();
  await menu.getByRole("menuitem", { name: "Versions" }).click();
  const versions = page.getByRole("dialog", { name: "Versions" });
  await versions.waitFor();
  assert.equal(await menu.count(), 0, "a choice closes the menu");
  const drawer = await versions.boundingBox();
  assert.deepEqual([drawer.x, drawer.width], [0, 390], "the drawer takes the phone's width");
  await page.close();
});

test("the preview follows the text in its warm frame: React started ahead, the context and the console there", async () => {
  const source = (label) =>
    [
      'import React, { useEffect, useState } from "react";',
      'import { createRoot } from "react-dom/client";',
      "function App() {",
      '  const [theme, setTheme] = useState("unknown");',
      "  useEffect(() => {",
      "    kapso.ready().then(() => setTheme(String(kapso.getContext().system.theme)));",
      "    return kapso.on(\"context\", (context) => setTheme(String(context.system.theme)));",
      "  }, []);",
      `  console.log("rendered ${label}");`,
      `  return <main><h1>${label}</h1><p>theme {theme}</p></main>;`,
      "}",
      'createRoot(document.getElementById("root")!).render(<App />);',
      "",
    ].join("\n");
  await owner.ok("POST", "/api/v1/projects/default/pages", { name: "Warm", slug: "warm", template: "blank" });
  await owner.ok("PUT", "/api/v1/projects/default/pages/warm/source", { source: source("First render") });
  const own = await launch();
  try {
    const page = await own.page();
    await page.setViewportSize({ width: 1280, height: 800 });
    await signInThroughUi(page, server, ADMIN.email, ADMIN.password, "/p/default/pages/warm/edit");
    await preview(page, { role: "heading", name: "First render" });
    // Once the first render is shown, a warm frame (the shell: bridge and React) loads beside it.
    await page.waitForFunction(() => document.querySelectorAll(".preview-stage iframe").length === 2);
    const warm = await page.evaluate(() => document.querySelector(".preview-frame-next iframe").src);

    await page.getByRole("textbox", { name: /^Source of/ }).waitFor();
    await setText(page, source("Second render"));
    const frame = await preview(page, { role: "heading", name: "Second render" });
    const shown = await page.evaluate(() => document.querySelector(".preview-frame:not(.preview-frame-next) iframe").src);
    assert.equal(shown, warm, "the change ran in the warm frame");
    await frame.getByText("theme light").waitFor();
    await page.getByRole("group", { name: "Preview theme" }).getByRole("button", { name: "Dark" }).click();
    await frame.getByText("theme dark").waitFor();
    await page.locator("#preview-console").getByText("rendered Second render").first().waitFor();
    assert.equal(
      await page.locator("#preview-console").getByText("rendered First render").count(),
      0,
      "the console starts afresh with each render",
    );
    // The next warm frame loads for the change after.
    await page.waitForFunction(
      (used) => [...document.querySelectorAll(".preview-frame-next iframe")].some((f) => f.src !== used),
      warm,
    );
    const warmAgain = await page.evaluate(() => document.querySelector(".preview-frame-next iframe").src);
    await setText(page, source("Third render"));
    await preview(page, { role: "heading", name: "Third render" });
    assert.equal(
      await page.evaluate(() => document.querySelector(".preview-frame:not(.preview-frame-next) iframe").src),
      warmAgain,
      "and so did the one after",
    );
  } finally {
    await own.close();
  }
});

test("two editors save from the same version: the second is offered a merge (at a phone's width too), nothing is lost", async () => {
  await owner.ok("POST", "/api/v1/projects/default/pages", {
    name: "Shared",
    slug: "shared",
    template: "blank",
  });
  const first = await browser.page();
  const second = await browser.page();
  for (const tab of [first, second]) {
    await tab.goto(`${server.app}/p/default/pages/shared/edit`);
    await preview(tab, { role: "heading", name: "New page" });
  }
  const base = await versionCount("shared");
  const original = (await owner.ok("GET", "/api/v1/projects/default/pages/shared")).head.source;

  await setText(first, original.replace("New page", "First editor"));
  await first.keyboard.press("ControlOrMeta+s");
  await first.getByText(`Saved version ${base + 1}`).waitFor();

  await setText(second, original.replace("New page", "Second editor"));
  await second.keyboard.press("ControlOrMeta+s");
  const conflict = second.getByRole("dialog", { name: `Version ${base + 1} was saved while you edited` });
  await conflict.waitFor();
  assert.equal(await versionCount("shared"), base + 1, "the conflicting save stored nothing");
  await screenshots(second, "conflict");
  // At a phone's width the two texts are one, theirs inline: "Take" puts a change of theirs
  // in, and what was taken stays when the window widens again.
  const size = second.viewportSize();
  await second.setViewportSize({ width: 390, height: 844 });
  await conflict.getByRole("button", { name: `Take v${base + 1}` }).click();
  await second.setViewportSize(size);
  await conflict.getByRole("button", { name: "Save merged text as the next version" }).click();
  await second.getByText(`Saved version ${base + 2}`).waitFor();
  const head = (await owner.ok("GET", "/api/v1/projects/default/pages/shared")).head;
  assert.equal(head.number, base + 2);
  assert.match(head.source, /First editor/, "their change, taken");
  assert.doesNotMatch(head.source, /Second editor/);
  await first.close();
  await second.close();
});

test("completion offers the bridge's functions after `kapso.`", async () => {
  await owner.ok("POST", "/api/v1/projects/default/pages", {
    name: "Completion",
    slug: "completion",
    template: "blank",
  });
  const page = await browser.page();
  await page.goto(`${server.app}/p/default/pages/completion/edit`);
  const editor = page.getByRole("textbox", { name: /^Source of/ });
  await editor.click();
  await page.keyboard.press("ControlOrMeta+End");
  await page.keyboard.type("\nkapso.");
  await page.getByRole("option", { name: /invokeFunction/ }).waitFor();
  await screenshots(page, "studio-completion");
  await page.close();
});

test("type errors show as you type, before any save; completion and hover come from TypeScript", async () => {
  await owner.ok("POST", "/api/v1/projects/default/pages", {
    name: "Types",
    slug: "types",
    template: "blank",
  });
  const before = await versionCount("types");
  const source = (await owner.ok("GET", "/api/v1/projects/default/pages/types")).head.source;
  const page = await browser.page();
  await page.goto(`${server.app}/p/default/pages/types/edit`);
  await page.getByRole("textbox", { name: /^Source of/ }).waitFor();
  const editorReady = Date.now();

  // A misspelt key of invokeFunction's request: the compiler builds it, TypeScript does not.
  const text = `${source.trimEnd()}\n\nkapso.invokeFunction({ slg: 1 });\n`;
  const line = text.split("\n").length - 1;
  await setText(page, text);
  const problems = page.getByRole("region", { name: "Problems" });
  await problems
    .getByRole("button", { name: new RegExp(`'slg' does not exist.*typescript ${line}:\\d+`) })
    .waitFor({ timeout: 60_000 });
  console.log(`first type diagnostics ${Date.now() - editorReady} ms after the editor was ready`);
  await page.locator(".cm-lintRange-error").first().waitFor();
  await screenshots(page, "studio-type-error");
  assert.equal(await versionCount("types"), before, "checking types saves nothing");

  // Hover: the type of what is under the pointer.
  const call = page.locator(".cm-line", { hasText: "kapso.invokeFunction" });
  const box = await call.boundingBox();
  await page.mouse.move(box.x + 12, box.y + box.height / 2);
  await page.locator(".cm-tooltip-hover", { hasText: "const kapso: Kapso" }).waitFor();

  // Completion: React's hooks, which only TypeScript knows, offered once each.
  await page.keyboard.press("ControlOrMeta+End");
  await page.keyboard.type("React.useSta");
  const option = page.getByRole("option", { name: /^useState/ });
  await option.waitFor();
  assert.equal(await option.count(), 1);
  await screenshots(page, "studio-type-completion");
  await page.close();
});
