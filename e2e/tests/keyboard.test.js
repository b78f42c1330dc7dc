// Every screen and its main action with the keyboard alone: after signing in, only keys —
// Tab, Shift+Tab, Enter, Space, Escape and typing — reach a project's pages and make one (the
// studio saves with Ctrl/Cmd-S), make and deploy a function, invite a member, read the audit
// log and make an API token on the account screen. Focus shows where it is along the way.

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

/** What a screen reader would call the focused element, roughly: its label, else its text. */
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { name: "", tag: "body" };
    const labelledBy = el.getAttribute("aria-labelledby");
    const name =
      el.getAttribute("aria-label") ??
      (labelledBy ? document.getElementById(labelledBy)?.textContent : null) ??
      (el.labels?.[0]?.textContent || null) ??
      el.textContent;
    return { name: (name ?? "").replace(/\s+/g, " ").trim(), tag: el.tagName.toLowerCase() };
  });
}

function matches(name, want) {
  return typeof want === "string" ? name === want : want.test(name);
}

/**
 * Presses Tab (Shift+Tab with `back`) until the focused element's name matches `want`; fails
 * naming what it could not reach and where focus went instead.
 */
async function tabTo(page, want, { back = false, max = 60 } = {}) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? "Shift+Tab" : "Tab");
    const now = await focused(page);
    if (matches(now.name, want)) return;
    seen.push(`${now.tag} “${now.name.slice(0, 30)}”`);
  }
  assert.fail(`${want} is not reachable with ${back ? "Shift+Tab" : "Tab"}; focus went to ${seen.join(", ")}`);
}

/** The focused element shows that it has focus: an outline or a ring. */
async function assertFocusVisible(page) {
  const style = await page.evaluate(() => {
    const el = document.activeElement;
    const css = getComputedStyle(el);
    return { outline: css.outlineStyle, width: css.outlineWidth, shadow: css.boxShadow, text: el.textContent?.trim() };
  });
  const outlined = style.outline !== "none" && style.width !== "0px";
  assert.ok(outlined || style.shadow !== "none", `focus is not visible on “${style.text}”: ${JSON.stringify(style)}`);
}

test("every screen and its main action with the keyboard alone", async () => {
  const page = await browser.page();
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password, "/");
  await page.getByRole("heading", { name: "Projects" }).waitFor();

  // Pages: the project's link, then a new page, named and made with Enter.
  await tabTo(page, /^My project/);
  await assertFocusVisible(page);
  await screenshots(page, "keyboard-projects");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/p\/default$/);
  await page.getByRole("heading", { name: "No pages yet" }).waitFor();
  await tabTo(page, "New page");
  await assertFocusVisible(page);
  await page.keyboard.press("Enter");
  await page.getByRole("dialog", { name: "New page" }).waitFor();
  await page.keyboard.type("Keyboard page");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/p\/default\/pages\/keyboard-page\/edit$/);
  await page.getByRole("heading", { name: "Keyboard page" }).waitFor();

  // The studio: into the editor, a change, saved with Ctrl/Cmd-S.
  await tabTo(page, /^Source of/);
  await page.keyboard.press("ControlOrMeta+End");
  await page.keyboard.type("\n// typed, not clicked\n");
  await page.getByText("Unsaved changes").waitFor();
  await page.keyboard.press("ControlOrMeta+s");
  await page.getByRole("status").getByText(/^Saved version 2/).waitFor();

  // Out of the editor with Shift+Tab (Escape first: Tab indents there); Ctrl/Cmd-S saves
  // from the toolbar too.
  await page.keyboard.press("Escape");
  await tabTo(page, "Versions", { back: true });
  await page.keyboard.press("ControlOrMeta+s");
  await page.getByRole("status").getByText(/^Saved version 3/).waitFor();
  await tabTo(page, "Back to My project", { back: true });
  await assertFocusVisible(page);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/p\/default$/);
  await page.getByRole("list").getByText("Keyboard page").waitFor();

  // Functions: the tab, a new one, created and deployed.
  await tabTo(page, "Functions");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/p\/default\/functions$/);
  await page.getByRole("heading", { name: "No functions yet" }).waitFor();
  await tabTo(page, "New function");
  await page.keyboard.press("Enter");
  await page.getByRole("dialog", { name: "New function" }).waitFor();
  await page.keyboard.type("Keyboard function");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/functions\/keyboard-function$/);
  await page.getByRole("heading", { name: /Keyboard function/ }).waitFor();
  await tabTo(page, "Deploy");
  await assertFocusVisible(page);
  await screenshots(page, "keyboard-function-deploy");
  await page.keyboard.press("Enter");
  await page.locator(".fn-bar").getByText("Deployed", { exact: true }).waitFor();

  // Members: the tab, an invitation by e-mail, its link shown; Escape closes it.
  await tabTo(page, "Members", { back: true });
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/p\/default\/members$/);
  await tabTo(page, "Invite");
  await page.keyboard.press("Enter");
  await page.getByRole("dialog", { name: /Invite to/ }).waitFor();
  await page.keyboard.type("keys@example.com");
  await page.keyboard.press("Enter");
  await page.getByRole("dialog", { name: "Invitation link" }).getByLabel("Invitation link").waitFor();
  await page.keyboard.press("Escape");
  await page.getByRole("list", { name: "Pending invitations" }).getByText("keys@example.com").waitFor();

  // Audit log: the tab, and what was just done in it.
  await tabTo(page, "Audit log", { back: true });
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/p\/default\/audit$/);
  const log = page.getByRole("list", { name: "Audit log" });
  await log.getByText("invitation.create").waitFor();
  await log.getByText("function.deploy").first().waitFor();

  // The account, from the top bar: a new API token.
  await tabTo(page, "Admin", { back: true });
  await assertFocusVisible(page);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/account$/);
  await page.getByRole("heading", { name: "Your account" }).waitFor();
  await tabTo(page, "New token");
  await page.keyboard.press("Enter");
  const tokenDialog = page.getByRole("dialog", { name: "New API token" });
  await tokenDialog.waitFor();
  await page.keyboard.type("Keyboard token");
  await tabTo(page, "Create token");
  await assertFocusVisible(page);
  await screenshots(page, "keyboard-new-token");
  await page.keyboard.press("Enter");
  const shown = page.getByRole("dialog", { name: "Your new API token" });
  assert.match(await shown.getByLabel("API token").inputValue(), /^quire_/);
  await page.keyboard.press("Escape");
  await page.getByRole("list", { name: "API tokens" }).getByText("Keyboard token").waitFor();
  await page.close();
});
