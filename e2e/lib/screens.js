// Screenshots of every screen a test visits, for a person to look at: light, dark and phone
// width, under e2e/screenshots/ (not committed).

import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { REPO } from "./server.js";

export const SCREENSHOTS = join(REPO, "e2e", "screenshots");

/** Saves `name`-light.png, `name`-dark.png and `name`-phone.png of the page as it is now. */
export async function screenshots(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  const size = page.viewportSize() ?? { width: 1280, height: 800 };
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await page.emulateMedia({ colorScheme: "light" });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(size);
}
