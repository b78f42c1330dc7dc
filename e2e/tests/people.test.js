// People and access, driven as people do: an owner invites by link, the invited person opens
// it in a browser of their own, creates the account and accepts, and sees the project read
// only; an API token made in the UI works as a bearer and is refused once revoked; the audit
// log screen shows all of it; a password change lets the new password in. Another test
// reaches the members screen and invites with the keyboard alone.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch, signInThroughUi } from "../lib/browser.js";
import { screenshots } from "../lib/screens.js";
import { ADMIN, startServer } from "../lib/server.js";

const INVITED = { name: "Grace Hopper", email: "grace@example.com", password: "compilers all the way" };
const NEW_PASSWORD = "an even longer password";

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
  await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.app });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The link the invitation dialog shows, after "Copy" put it on the clipboard. */
async function copiedLink(page, dialog) {
  const link = await dialog.getByLabel("Invitation link").inputValue();
  await dialog.getByRole("button", { name: "Copy" }).click();
  await dialog.getByRole("button", { name: "Copied" }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
  return link;
}

test("invite by link, accept in another browser, tokens, audit log and a new password", async () => {
  const page = await browser.page();
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password, "/");
  await page.getByRole("heading", { name: "Projects" }).waitFor();
  await screenshots(page, "people-projects");

  // A project of its own, made from the list.
  await page.getByRole("button", { name: "New project" }).click();
  const newProject = page.getByRole("dialog", { name: "New project" });
  await newProject.getByLabel("Name").fill("Support Desk");
  assert.equal(await newProject.getByLabel("Slug").inputValue(), "support-desk");
  await screenshots(page, "people-new-project");
  await newProject.getByRole("button", { name: "Create project" }).click();
  await page.waitForURL(/\/p\/support-desk$/);
  await page.getByRole("heading", { name: /Support Desk/ }).waitFor();

  // The switcher in the top bar goes to another project, keeping the section.
  await page.getByRole("link", { name: "Members" }).click();
  await page.waitForURL(/\/p\/support-desk\/members$/);
  await page.getByRole("combobox", { name: "Switch project" }).selectOption("default");
  await page.waitForURL(/\/p\/default\/members$/);
  await page.getByRole("heading", { name: /My project/ }).waitFor();
  await page.getByRole("list", { name: "Members" }).getByText(ADMIN.email).waitFor();
  await page.getByRole("heading", { name: "Pending invitations" }).waitFor();
  await screenshots(page, "people-members");

  // Invite: e-mail and role give a one-time link, shown once.
  await page.getByRole("button", { name: "Invite", exact: true }).click();
  const invite = page.getByRole("dialog", { name: /Invite to/ });
  await invite.getByLabel("E-mail").fill(INVITED.email);
  await invite.getByLabel("Role").selectOption("member");
  await screenshots(page, "people-invite");
  await invite.getByRole("button", { name: "Create invitation link" }).click();
  const shown = page.getByRole("dialog", { name: "Invitation link" });
  const link = await copiedLink(page, shown);
  assert.match(link, new RegExp(`^${server.app}/invite/`));
  await screenshots(page, "people-invite-link");
  await shown.getByRole("button", { name: "Done" }).click();
  const pending = page.getByRole("list", { name: "Pending invitations" });
  await pending.getByText(INVITED.email).waitFor();

  // The invited person, in a browser of their own, signed out.
  const other = await launch();
  try {
    const guest = await other.page();
    await guest.goto(link);
    await guest.getByRole("heading", { name: /^Join / }).waitFor();
    assert.equal(new URL(guest.url()).pathname, new URL(link).pathname, "no detour to sign-in");
    await guest.getByRole("link", { name: "Sign in to accept" }).waitFor();
    await guest.getByRole("heading", { name: "Create an account" }).waitFor();
    await screenshots(guest, "people-invitation");
    await guest.getByLabel("Your name").fill(INVITED.name);
    await guest.getByLabel("Password").fill(INVITED.password);
    await guest.getByRole("button", { name: "Create account and accept" }).click();
    await guest.waitForURL(/\/p\/default$/);

    // A member reads: no invite, no role menus, no remove, no audit tab.
    await guest.getByRole("link", { name: "Members" }).click();
    await guest.getByRole("list", { name: "Members" }).getByText(INVITED.email).waitFor();
    assert.equal(await guest.getByRole("button", { name: "Invite", exact: true }).count(), 0);
    assert.equal(await guest.getByRole("combobox", { name: /^Role of/ }).count(), 0);
    assert.equal(await guest.getByRole("button", { name: /^(Remove|Leave)/ }).count(), 0);
    assert.equal(await guest.getByRole("link", { name: "Audit log" }).count(), 0);
    assert.equal(await guest.getByRole("heading", { name: "Pending invitations" }).count(), 0);
    await screenshots(guest, "people-members-readonly");
    await guest.goto(link);
    await guest.getByRole("heading", { name: "This invitation link does not work" }).waitFor();
    await screenshots(guest, "people-invitation-used");
  } finally {
    await other.close();
  }

  // The owner sees the new member; the pending list is empty again.
  await page.reload();
  const members = page.getByRole("list", { name: "Members" });
  await members.getByText(INVITED.email).waitFor();
  await page.getByText("No invitation is waiting.").waitFor();
  // An admin-to-be: the owner changes the role in place.
  const invitedRole = members.getByRole("combobox", { name: `Role of ${INVITED.name}` });
  await invitedRole.selectOption("admin");
  // A slip is one click to take back.
  const changed = page.getByRole("status").locator(".toast", { hasText: `${INVITED.name} is now admin` });
  await changed.getByRole("button", { name: "Undo" }).click();
  await page.getByText(`${INVITED.name} is now member`).waitFor();
  // The toast comes with the answer; the list shows it once it has read the members again.
  await page.waitForFunction((select) => select.value === "member", await invitedRole.elementHandle(), {
    timeout: 10_000,
  });
  assert.equal(await invitedRole.inputValue(), "member", "undo puts the old role back");
  await invitedRole.selectOption("admin");
  await page.getByText(`${INVITED.name} is now admin`).last().waitFor();
  // The last owner cannot step down: the API says why.
  await members.getByRole("combobox", { name: "Role of Admin" }).selectOption("member");
  await page.getByRole("status").getByText(/owner/).first().waitFor();
  assert.equal(
    await members.getByRole("combobox", { name: "Role of Admin" }).inputValue(),
    "owner",
    "the refused change is not shown as made",
  );

  // An API token made in the UI works as a bearer; revoked, the next call is refused.
  await page.getByRole("link", { name: "Admin", exact: true }).click();
  await page.waitForURL(/\/account$/);
  await page.getByRole("heading", { name: "Your account" }).waitFor();
  await page.getByRole("button", { name: "New token" }).click();
  const tokenDialog = page.getByRole("dialog", { name: "New API token" });
  await tokenDialog.getByLabel("Name").fill("Deploy script");
  await tokenDialog.getByLabel("Works in").selectOption("default");
  await tokenDialog.getByLabel(/Expires after/).fill("30");
  await screenshots(page, "people-new-token");
  await tokenDialog.getByRole("button", { name: "Create token" }).click();
  const tokenShown = page.getByRole("dialog", { name: "Your new API token" });
  const token = await tokenShown.getByLabel("API token").inputValue();
  assert.match(token, /^quire_/);
  await screenshots(page, "people-token-shown");
  await tokenShown.getByRole("button", { name: "Done" }).click();
  const call = () =>
    fetch(`${server.app}/api/v1/projects/default/members`, {
      headers: { authorization: `Bearer ${token}` },
    });
  assert.equal((await call()).status, 200);
  const tokens = page.getByRole("list", { name: "API tokens" });
  await tokens.getByText("Deploy script").waitFor();
  await page.reload();
  await tokens.getByText(/used .*ago|used just now|used now/).waitFor();
  await screenshots(page, "people-account");
  await tokens.getByRole("button", { name: "Revoke Deploy script" }).click();
  await page.getByRole("dialog", { name: /Revoke/ }).getByRole("button", { name: "Revoke token" }).click();
  await page.getByText("Revoked “Deploy script”").waitFor();
  assert.equal((await call()).status, 401, "a revoked token is refused at once");

  // The audit log shows the invitation, the token and the role change, filterable.
  await page.goto(`${server.app}/p/default/audit`);
  const log = page.getByRole("list", { name: "Audit log" });
  await log.getByText("invitation.create").waitFor();
  await log.getByText("invitation.accept").first().waitFor();
  await log.getByText("token.create").waitFor();
  await log.getByText("member.role_change").first().waitFor();
  await screenshots(page, "people-audit");
  await page.getByLabel("Action").selectOption({ label: "API tokens: all" });
  await page.waitForURL(/action=token\./);
  await log.getByText("token.create").waitFor();
  assert.equal(await log.getByText("invitation.create").count(), 0);
  await log.getByRole("listitem").first().getByText("Details").click();
  await log.getByText("Deploy script").waitFor();
  await screenshots(page, "people-audit-filtered");
  await page.getByLabel("From").fill("2999-01-01");
  await page.getByText("Nothing matches these filters.").waitFor();
  await page.getByRole("button", { name: "Clear filters" }).click();
  await log.getByText("invitation.create").waitFor();

  // A new name, seen in the account and its activity.
  await page.goto(`${server.app}/account`);
  await page.getByLabel("Name", { exact: true }).fill("Admin Lovelace");
  await page.getByRole("button", { name: "Save name" }).click();
  await page.getByText("Name saved").waitFor();
  await page.getByRole("list", { name: "Account activity" }).getByText("user.rename").first().waitFor();

  // A new sign-in address needs the password; a wrong one changes nothing.
  const address = page.getByRole("form", { name: "Sign-in address" });
  await address.getByLabel("E-mail").fill("lovelace@example.com");
  await address.getByLabel("Current password").fill("not the password");
  await address.getByRole("button", { name: "Change address" }).click();
  await address.getByRole("alert").getByText(/current password is not right/).waitFor();
  await address.getByLabel("Current password").fill(ADMIN.password);
  await address.getByRole("button", { name: "Change address" }).click();
  await page.getByText("You now sign in as lovelace@example.com").waitFor();
  await page.getByRole("list", { name: "Account activity" }).getByText("user.email_change").first().waitFor();
  await screenshots(page, "account-email");
  // And back, so the rest of the suite signs in as before.
  await address.getByLabel("E-mail").fill(ADMIN.email);
  await address.getByLabel("Current password").fill(ADMIN.password);
  await address.getByRole("button", { name: "Change address" }).click();
  await page.getByText(`You now sign in as ${ADMIN.email}`).waitFor();

  // A new password: this session stays, the new password signs in.
  await page.getByRole("form", { name: "Change password" }).getByLabel("Current password").fill(ADMIN.password);
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("New password again").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await page.getByText("Password changed; your other sessions have ended").waitFor();
  const activity = page.getByRole("list", { name: "Account activity" });
  await activity.getByText("user.password_change").waitFor();
  await activity.getByText("token.revoke").waitFor();
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.waitForURL(/\/login/);
  const fresh = await browser.page();
  await signInThroughUi(fresh, server, ADMIN.email, NEW_PASSWORD, "/account");
  await fresh.getByRole("heading", { name: "Your account" }).waitFor();
  await fresh.close();
  await page.close();
});

test("the members screen and an invitation with the keyboard alone", async () => {
  const other = await launch();
  try {
    const page = await other.page();
    await signInThroughUi(page, server, ADMIN.email, NEW_PASSWORD, "/p/default");
    await page.getByRole("heading", { name: /My project/ }).waitFor();
    // Tab to the Members tab and follow it with Enter.
    let reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = await page.evaluate(() => document.activeElement?.textContent === "Members");
    }
    assert.ok(reached, "the Members tab is reachable with Tab");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/members$/);
    reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = await page.evaluate(() => document.activeElement?.textContent === "Invite");
    }
    assert.ok(reached, "Invite is reachable with Tab");
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: /Invite to/ });
    await dialog.waitFor();
    // Focus starts in the e-mail field.
    await page.keyboard.type("keys@example.com");
    await page.keyboard.press("Enter");
    const shown = page.getByRole("dialog", { name: "Invitation link" });
    await shown.getByLabel("Invitation link").waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("list", { name: "Pending invitations" }).getByText("keys@example.com").waitFor();
    await screenshots(page, "people-keyboard");
  } finally {
    await other.close();
  }
});
