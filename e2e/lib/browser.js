// Debian's Chromium driven by playwright-core: headless, no sandbox (containers), no
// background traffic, a fresh profile per launch.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.QUIRE_E2E_CHROMIUM ?? "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/**
 * A browser context on a fresh profile, with `args` added to the flags; `close()` removes the
 * profile.
 */
export async function launch({ args = [] } = {}) {
  const profile = await mkdtemp(join(tmpdir(), "quire-e2e-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...FLAGS, ...args],
  });
  return {
    context,
    page() {
      return context.newPage();
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in through the UI's form and waits until the app has left the sign-in screen. */
export async function signInThroughUi(page, server, email, password, next = "/") {
  const path = next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`;
  await page.goto(`${server.app}${path}`);
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname !== "/login");
}
