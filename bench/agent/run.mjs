#!/usr/bin/env node
// The page agent against a real model: ten page descriptions, each run in the studio as a
// person would (Describe a page → Generate), so each attempt that builds is also type-checked
// and rendered in Chromium and its errors go back to the model. Reports, per description, how
// the run ended, the attempts it took, its tokens and its time; then the share that ended with
// a page that builds and renders cleanly.
//
// Needs QUIRE_AI_URL and QUIRE_AI_MODEL (and QUIRE_AI_API_KEY when the endpoint wants one);
// without them it says so and exits. Run from the repository root:
//   cargo build --release --bin quire && QUIRE_AI_URL=… QUIRE_AI_MODEL=… node bench/agent/run.mjs
// QUIRE_BIN picks the binary (default target/release/quire); ONLY=3 runs only the third
// description; QUIRE_AGENT_MAX_ATTEMPTS is passed through (default 5).

import { join } from "node:path";
import { signIn } from "../../e2e/lib/api.js";
import { launch, signInThroughUi } from "../../e2e/lib/browser.js";
import { deployEchoFunction } from "../../e2e/lib/fixtures.js";
import { ADMIN, REPO, startServer } from "../../e2e/lib/server.js";

if (!process.env.QUIRE_AI_URL || !process.env.QUIRE_AI_MODEL) {
  console.log(
    "bench/agent needs a model: set QUIRE_AI_URL (e.g. http://127.0.0.1:11434/v1 for Ollama) and QUIRE_AI_MODEL; see bench/agent/README.md",
  );
  process.exit(0);
}
process.env.QUIRE_BIN ??= join(REPO, "target/release/quire");
/** How long one run may take, all attempts together (a local model on a CPU is slow). */
const RUN_TIMEOUT_MS = Number(process.env.RUN_TIMEOUT_MS ?? 15 * 60_000);

const DESCRIPTIONS = [
  "A counter with plus and minus buttons and a reset button.",
  "A to-do list: add items with a text field, tick them off, and remove them; show how many are left.",
  "A table of 8 made-up customers (name, e-mail, plan, monthly spend) that sorts by any column when its header is clicked.",
  "A card for the conversation open in the inbox: the contact's name and phone number from kapso.getContext(), or a message when no conversation is open.",
  "A button that calls the project's function `echo` with the payload {\"hello\": \"world\"} and shows the JSON it answers, with loading and error states.",
  "A bar chart, drawn with plain SVG, of messages per weekday for a week of made-up numbers, with the numbers on the bars.",
  "A form to book a call: name, e-mail, a date and a time slot; it checks the fields and shows a summary when submitted.",
  "A dark/light aware dashboard header with the viewer's theme from kapso.getContext() and three stat tiles (open conversations, replies today, average reply time).",
  "A search box that filters a list of 20 made-up product names as you type and highlights the matching part.",
  "A timer: start, pause and reset, showing minutes, seconds and tenths.",
];

const only = process.env.ONLY ? [Number(process.env.ONLY) - 1] : DESCRIPTIONS.map((_, i) => i);
const server = await startServer({
  env: {
    QUIRE_AI_URL: process.env.QUIRE_AI_URL,
    QUIRE_AI_MODEL: process.env.QUIRE_AI_MODEL,
    ...(process.env.QUIRE_AI_API_KEY ? { QUIRE_AI_API_KEY: process.env.QUIRE_AI_API_KEY } : {}),
    QUIRE_AGENT_RUNS_PER_HOUR: "0",
  },
});
const browser = await launch();
const results = [];
try {
  const owner = await signIn(server, ADMIN.email, ADMIN.password);
  await deployEchoFunction(owner);
  const page = await browser.page();
  await page.setViewportSize({ width: 1280, height: 800 });
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password, "/p/default");
  for (const index of only) {
    const description = DESCRIPTIONS[index];
    const slug = `bench-${index + 1}`;
    await owner.ok("POST", "/api/v1/projects/default/pages", { name: `Bench ${index + 1}`, slug });
    await page.goto(`${server.app}/p/default/pages/${slug}/edit`);
    await page.getByRole("button", { name: "Describe a page" }).click();
    const panel = page.getByRole("region", { name: "Page agent" });
    await panel.getByRole("textbox").fill(description);
    const started = Date.now();
    await panel.getByRole("button", { name: "Generate" }).click();
    await panel
      .getByText(/builds and renders cleanly\. It is a draft|still has problems after|check QUIRE_AI_URL|went wrong/)
      .waitFor({ timeout: RUN_TIMEOUT_MS })
      .catch(async () => {
        await panel.getByRole("button", { name: "Stop" }).click().catch(() => {});
      });
    const seconds = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 500));
    const audit = await owner.ok("GET", "/api/v1/projects/default/audit?action=page.generate&limit=1");
    const entry = audit[0];
    const details = entry?.details ?? {};
    results.push({
      n: index + 1,
      outcome: details.outcome ?? "timeout",
      attempts: details.attempts ?? 0,
      tokens:
        details.prompt_tokens != null ? `${details.prompt_tokens}+${details.completion_tokens}` : "unknown",
      seconds: seconds.toFixed(0),
      description,
    });
    const last = results.at(-1);
    console.error(`#${last.n} ${last.outcome} after ${last.attempts} attempt(s), ${last.seconds} s`);
  }
} finally {
  await browser.close();
  await server.stop();
}

console.log(`\nmodel: ${process.env.QUIRE_AI_MODEL} at ${process.env.QUIRE_AI_URL}\n`);
console.log("| # | outcome | attempts | tokens (prompt+answer) | seconds | description |");
console.log("|---|---|---|---|---|---|");
for (const r of results) {
  console.log(`| ${r.n} | ${r.outcome} | ${r.attempts} | ${r.tokens} | ${r.seconds} | ${r.description} |`);
}
const working = results.filter((r) => r.outcome === "done");
const attempts = working.map((r) => r.attempts).sort((a, b) => a - b);
console.log(
  `\n${working.length} of ${results.length} ended working (${Math.round((100 * working.length) / Math.max(1, results.length))} %)` +
    (attempts.length
      ? `; attempts of those: median ${attempts[Math.floor(attempts.length / 2)]}, first-try ${attempts.filter((a) => a === 1).length}`
      : ""),
);
