// The `kapso` bridge's features in a real browser, against a real `quire serve`: ready(), the
// results and errors of invokeFunction (JSON, text, a thrown error, a status of 400 or more, the
// 30 s default timeout), the theme in the context and the context event when the viewer
// switches it, console output and uncaught errors in the dashboard's page console,
// auto-resize in a host that enables it, and a conversation change reaching a page that listens
// for context events as one (the frame stays) and reloading one that does not.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { signIn } from "../lib/api.js";
import { launch, signInThroughUi } from "../lib/browser.js";
import { FUNCTION_SLUG, createPage, deployEchoFunction, deployFunction } from "../lib/fixtures.js";
import { ADMIN, REPO, startServer } from "../lib/server.js";

const MEMBER = { email: "viewer@example.com", password: "a member's long password" };

/**
 * Shows the outcome of its n-th call in <output> as "n. …": the result's type and JSON, or the
 * Error's message.
 */
const CALLS_PAGE = `import { useRef, useState } from "react";
import { createRoot } from "react-dom/client";
function App() {
  const [out, setOut] = useState("idle");
  const count = useRef(0);
  const call = (slug, payload) => async () => {
    const n = ++count.current;
    setOut(n + ". calling " + slug);
    try {
      const value = await kapso.invokeFunction({ slug, payload });
      setOut(n + ". " + typeof value + " " + JSON.stringify(value));
    } catch (error) {
      setOut(n + ". " + (error instanceof Error ? "Error: " + error.message : "not an Error: " + String(error)));
    }
  };
  return (
    <main>
      <button onClick={call("${FUNCTION_SLUG}", { n: 1 })}>JSON</button>
      <button onClick={call("plain-text", {})}>Text</button>
      <button onClick={call("refuses", { order: 42 })}>Refused</button>
      <button onClick={call("unavailable", {})}>Unavailable</button>
      <button onClick={call("throws", {})}>Throws</button>
      <output>{out}</output>
    </main>
  );
}
createRoot(document.getElementById("root")).render(<App />);
`;

const FUNCTIONS = {
  "plain-text": `async function handler(request, env) {
  return new Response("plain words, not JSON");
}
`,
  refuses: `async function handler(request, env) {
  const { order } = await request.json();
  return new Response(JSON.stringify({ error: "order " + order + " has already shipped" }), {
    status: 409,
    headers: { "content-type": "application/json" },
  });
}
`,
  unavailable: `async function handler(request, env) {
  return new Response("the warehouse API is down for maintenance", { status: 503 });
}
`,
  throws: `async function handler(request, env) {
  throw new TypeError("cannot read the stock level");
}
`,
};

/**
 * Calls a function from the page's first lines, before anything awaits ready(): the call waits
 * for the handshake. Shows ready(), that early result and the theme, and follows context events.
 */
const READY_PAGE = `import { useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
const early = kapso.invokeFunction({ slug: "${FUNCTION_SLUG}", payload: { early: true } });
function App() {
  const [ready, setReady] = useState("waiting");
  const [result, setResult] = useState("pending");
  const [theme, setTheme] = useState("unknown");
  const [events, setEvents] = useState([]);
  useEffect(() => {
    kapso.ready().then(() => {
      setReady("ready");
      setTheme(kapso.getContext().system.theme);
    }, (error) => setReady("failed: " + error.message));
    early.then((value) => setResult(JSON.stringify(value)), (error) => setResult("Error: " + error.message));
    return kapso.on("context", (context) => {
      setTheme(kapso.getContext().system.theme);
      setEvents((all) => [...all, context.system.theme]);
    });
  }, []);
  return (
    <dl>
      <dt>ready</dt><dd data-testid="ready">{ready}</dd>
      <dt>early call</dt><dd data-testid="early">{result}</dd>
      <dt>theme</dt><dd data-testid="theme">{theme}</dd>
      <dt>context events</dt><dd data-testid="events">{events.join(",")}</dd>
    </dl>
  );
}
createRoot(document.getElementById("root")).render(<App />);
`;

/** Writes to its console at start-up (before the handshake, buffered) and on demand. */
const CONSOLE_PAGE = `import { createRoot } from "react-dom/client";
console.info("page loaded", { version: 1 });
function App() {
  const logAll = () => {
    console.log("a log line", 42, [1, 2]);
    console.warn("a warning");
    console.error("an error message");
    console.debug("a debug detail");
  };
  const crash = () => {
    throw new Error("the page crashed on purpose");
  };
  const reject = () => {
    Promise.reject(new Error("nobody caught this rejection"));
  };
  const flood = () => {
    for (let i = 1; i <= 600; i += 1) console.log("line " + i);
  };
  return (
    <main>
      <button onClick={logAll}>Log</button>
      <button onClick={crash}>Crash</button>
      <button onClick={reject}>Reject</button>
      <button onClick={flood}>Flood</button>
    </main>
  );
}
createRoot(document.getElementById("root")).render(<App />);
`;

/** Rows of 40 px, added and removed ten at a time; "Mark" logs a marker. */
const GROWING_PAGE = `import { useState } from "react";
import { createRoot } from "react-dom/client";
function App() {
  const [rows, setRows] = useState(1);
  return (
    <main>
      <button onClick={() => setRows((n) => n + 10)}>More</button>
      <button onClick={() => setRows((n) => Math.max(1, n - 10))}>Less</button>
      <button onClick={() => console.log("mark")}>Mark</button>
      {Array.from({ length: rows }, (_, i) => <div key={i} style={{ height: 40 }}>row {i + 1}</div>)}
    </main>
  );
}
createRoot(document.getElementById("root")).render(<App />);
`;

/**
 * Counts its context events while it listens (a button stops it); each document it runs in
 * gets a new mark, so a reload shows.
 */
const LISTENING_PAGE = `import { useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
(window as any).__documentMark = Math.random().toString(36).slice(2);
function App() {
  const [listening, setListening] = useState(true);
  const [events, setEvents] = useState(0);
  useEffect(() => {
    if (!listening) return;
    return kapso.on("context", () => setEvents((n) => n + 1));
  }, [listening]);
  return (
    <main>
      <output data-testid="events">{events} context events</output>
      <button onClick={() => setListening(false)}>Stop listening</button>
    </main>
  );
}
createRoot(document.getElementById("root")).render(<App />);
`;

/** Reads its context once and never listens for changes. */
const NOT_LISTENING_PAGE = `import { createRoot } from "react-dom/client";
(window as any).__documentMark = Math.random().toString(36).slice(2);
kapso.ready().then(() => {
  createRoot(document.getElementById("root")).render(<p>viewer {kapso.getContext().system.viewerUserId}</p>);
});
`;

/** A page whose height follows its frame's: 100vh plus the body's default 8 px margins. */
const FULL_HEIGHT_PAGE = `import { createRoot } from "react-dom/client";
createRoot(document.getElementById("root")).render(
  <main style={{ minHeight: "100vh", background: "#eef" }}>
    <button onClick={() => console.log("mark")}>Mark</button>
  </main>,
);
`;

/**
 * A minimal host built from the app's own bridge/host.ts with auto-resize on (the dashboard
 * keeps a fixed frame that the page scrolls in): the frame 480 px wide, what it reports kept in
 * `window.__host`. Compiled by Quire like any page and served on the app origin by the test.
 */
function hostHarnessSource() {
  const host = readFileSync(join(REPO, "bridge/host.ts"), "utf8").replace(/^export /gm, "");
  return `${host}
const params = new URLSearchParams(location.search);
const state = { ready: false, error: null, heights: [], console: [] };
(window as any).__host = state;
const box = document.getElementById("root")!;
box.style.width = "480px";
const style = document.createElement("style");
style.textContent = "iframe { display: block; border: 0; width: 100%; }";
document.head.append(style);
// The session's CSRF token comes from /me, as the app takes it.
fetch("/api/v1/me").then((response) => response.json()).then((me: { csrf_token?: string }) => {
  const mounted = mountPage(box, {
    project: params.get("project")!,
    page: params.get("page")!,
    mode: "regular",
    credentials: () => (me.csrf_token ? { "x-csrf-token": me.csrf_token } : {}),
    autoResize: true,
    onResize: (height) => state.heights.push(height),
    onConsole: (level, args) => state.console.push(level + ": " + args.join(" ")),
  });
  (state as any).mounted = mounted;
  mounted.ready.then(() => { state.ready = true; }, (error) => { state.error = error.message; });
}, (error) => { state.error = String(error); });
`;
}

let server;
let browser;
let harnessBrowser;
let owner;
let harnessHtml;

before(async () => {
  server = await startServer();
  browser = await launch();
  // The harness document comes from page.route, so Chromium cannot tell it was served from
  // loopback, and its Local Network Access checks would block its loopback frame. The app's own
  // documents come from loopback and need no such flag.
  harnessBrowser = await launch({ args: ["--disable-features=LocalNetworkAccessChecks"] });
  owner = await signIn(server, ADMIN.email, ADMIN.password);
  await deployEchoFunction(owner);
  for (const [slug, code] of Object.entries(FUNCTIONS)) {
    await deployFunction(owner, { slug, code });
  }
  await createPage(owner, { slug: "calls", name: "Calls", source: CALLS_PAGE });
  await createPage(owner, { slug: "ready", name: "Ready", source: READY_PAGE });
  await createPage(owner, { slug: "console", name: "Console", source: CONSOLE_PAGE });
  await createPage(owner, { slug: "growing", name: "Growing", source: GROWING_PAGE });
  await createPage(owner, { slug: "full-height", name: "Full height", source: FULL_HEIGHT_PAGE });
  await createPage(owner, { slug: "listening", name: "Listening", source: LISTENING_PAGE });
  await createPage(owner, { slug: "not-listening", name: "Not listening", source: NOT_LISTENING_PAGE });
  await createPage(owner, {
    slug: "host-harness",
    name: "Host harness",
    source: hostHarnessSource(),
    publish: false,
  });
  const grant = await owner.ok("POST", "/api/v1/projects/default/pages/host-harness/frame", {
    mode: "preview",
  });
  harnessHtml = await (await fetch(grant.url.replace(/#.*$/, ""))).text();
  await server.cli(
    [
      "user",
      "add",
      "--email",
      MEMBER.email,
      "--password-stdin",
      "--project",
      "default",
      "--role",
      "member",
    ],
    `${MEMBER.password}\n`,
  );
});

after(async () => {
  await browser?.close();
  await harnessBrowser?.close();
  await server?.stop();
});

/** The page's frame on the usercontent origin, once its iframe has loaded. */
async function pageFrame(page) {
  const handle = await page.waitForSelector("iframe");
  const frame = await handle.contentFrame();
  await frame.waitForURL((url) => url.href.startsWith(`${server.usercontent}/`), {
    waitUntil: "domcontentloaded",
  });
  return frame;
}

async function openDashboard(slug, who = ADMIN, { colorScheme = "light", on = browser } = {}) {
  const page = await on.page();
  await page.emulateMedia({ colorScheme });
  const path = `/p/default/pages/${slug}`;
  await signInThroughUi(page, server, who.email, who.password, path);
  assert.equal(new URL(page.url()).pathname, path);
  return page;
}

/** Clicks `name` in the frame, the page's `n`-th call, and returns that call's outcome. */
async function call(frame, n, name) {
  await frame.getByRole("button", { name, exact: true }).click();
  const done = await frame.waitForFunction((prefix) => {
    const text = document.querySelector("output").textContent;
    return text.startsWith(prefix) && !text.startsWith(`${prefix}calling `) && text;
  }, `${n}. `);
  return (await done.jsonValue()).slice(`${n}. `.length);
}

test("invokeFunction resolves with JSON or text, and rejects with an Error carrying the function's own message", async () => {
  const page = await openDashboard("calls");
  const frame = await pageFrame(page);
  assert.equal(
    await call(frame, 1, "JSON"),
    `object ${JSON.stringify({ from: "quire-function", received: { n: 1 } })}`,
  );
  assert.equal(await call(frame, 2, "Text"), `string "plain words, not JSON"`);
  // A function that answers with a status of 400 or more: its JSON `error`, or its text.
  assert.equal(await call(frame, 3, "Refused"), "Error: order 42 has already shipped");
  assert.equal(
    await call(frame, 4, "Unavailable"),
    "Error: the warehouse API is down for maintenance",
  );
  // A function that throws: the thrown error's message.
  assert.match(
    await call(frame, 5, "Throws"),
    /^Error: (TypeError: )?cannot read the stock level$/,
  );
  await page.close();
});

test("invokeFunction rejects after 30 s by default when no answer comes", async () => {
  // A browser of its own: its clock is faked, and the fake cannot be taken back.
  const own = await launch();
  try {
    await own.context.clock.install();
    const page = await openDashboard("calls", ADMIN, { on: own });
    const held = [];
    const requested = new Promise((resolve) => {
      page.route(/\/pages\/[^/]+\/invoke$/, (route) => {
        held.push(route);
        resolve();
      });
    });
    const frame = await pageFrame(page);
    await frame.getByRole("button", { name: "JSON" }).click();
    // The call is on its way (the page set its timer before sending it) and is never answered.
    await requested;
    assert.equal(await frame.locator("output").textContent(), `1. calling ${FUNCTION_SLUG}`);
    await own.context.clock.fastForward(29_000);
    assert.equal(await frame.locator("output").textContent(), `1. calling ${FUNCTION_SLUG}`);
    await own.context.clock.fastForward(1_001);
    await frame.getByText(/timed out/).waitFor();
    assert.equal(
      await frame.locator("output").textContent(),
      `1. Error: kapso.invokeFunction({"slug":"${FUNCTION_SLUG}"}) timed out after 30000 ms`,
    );
    for (const route of held) await route.abort().catch(() => {});
  } finally {
    await own.close();
  }
});

test("ready() resolves in the dashboard, and a call made before it waits for the handshake", async () => {
  const page = await openDashboard("ready");
  const frame = await pageFrame(page);
  await frame.getByTestId("ready").getByText("ready").waitFor();
  await frame
    .getByTestId("early")
    .getByText(/quire-function/)
    .waitFor();
  assert.deepEqual(JSON.parse(await frame.getByTestId("early").textContent()), {
    from: "quire-function",
    received: { early: true },
  });
  await page.close();
});

test("outside Quire, getContext() throws and ready() and calls reject after 10 s with a clear error", async () => {
  const own = await launch();
  try {
    await own.context.clock.install();
    const grant = await owner.ok("POST", "/api/v1/projects/default/pages/calls/frame", {
      mode: "regular",
    });
    const page = await own.page();
    // The artifact opened in a tab of its own: no parent answers its handshake.
    await page.goto(grant.url);
    const outcome = page.evaluate(async () => {
      const seen = {};
      try {
        kapso.getContext();
        seen.context = "no error";
      } catch (error) {
        seen.context = error.message;
      }
      const settle = (promise) =>
        promise.then(
          () => "resolved",
          (error) => error.message,
        );
      const [ready, call] = await Promise.all([
        settle(kapso.ready()),
        settle(kapso.invokeFunction({ slug: "anything" })),
      ]);
      return { ...seen, ready, call };
    });
    await own.context.clock.fastForward(10_001);
    const message =
      "kapso.ready() timed out: this page is not running inside Quire (no host answered the handshake)";
    assert.deepEqual(await outcome, {
      context:
        "kapso.getContext() was called before the bridge was ready: await kapso.ready() first",
      ready: message,
      call: message,
    });
  } finally {
    await own.close();
  }
});

test("the context carries the viewer's theme, and a context event follows a switch to dark and back", async () => {
  const page = await openDashboard("ready", ADMIN, { colorScheme: "light" });
  const frame = await pageFrame(page);
  const theme = frame.getByTestId("theme");
  await frame.getByTestId("ready").getByText("ready").waitFor();
  assert.equal(await theme.textContent(), "light");
  await page.emulateMedia({ colorScheme: "dark" });
  await theme.getByText("dark").waitFor();
  assert.equal(await frame.getByTestId("events").textContent(), "dark");
  assert.equal(await frame.evaluate(() => kapso.getContext().system.theme), "dark");
  await page.emulateMedia({ colorScheme: "light" });
  await frame.getByTestId("events").getByText("dark,light").waitFor();
  assert.equal(await theme.textContent(), "light");
  await page.close();
});

test("the page console shows owners and admins what the page logged and the errors it did not catch", async () => {
  const page = await openDashboard("console");
  const frame = await pageFrame(page);
  const toggle = page.getByRole("button", { name: /^Console/ });
  await toggle.waitFor();
  assert.equal(await toggle.getAttribute("aria-expanded"), "false");
  // Keyboard: the toggle opens the panel; Escape inside it closes it and gives focus back.
  await toggle.focus();
  await page.keyboard.press("Enter");
  const panel = page.getByRole("region", { name: "Page console" });
  await panel.waitFor();
  assert.equal(await toggle.getAttribute("aria-expanded"), "true");
  const log = panel.getByRole("log", { name: "Console output" });
  // Logged at start-up, before the handshake: buffered by the page and delivered after it.
  await log.getByText('page loaded {"version":1}').waitFor();

  await frame.getByRole("button", { name: "Log" }).click();
  await log.getByText("a debug detail").waitFor();
  const lines = await log
    .locator("li")
    .evaluateAll((items) =>
      items.map((item) => [
        item.className.replace("console-line console-", ""),
        item.querySelector(".console-text").textContent,
      ]),
    );
  assert.deepEqual(lines, [
    ["info", 'page loaded {"version":1}'],
    ["log", "a log line 42 [1,2]"],
    ["warn", "a warning"],
    ["error", "an error message"],
    ["debug", "a debug detail"],
  ]);

  await frame.getByRole("button", { name: "Crash" }).click();
  await frame.getByRole("button", { name: "Reject" }).click();
  await log.getByText("nobody caught this rejection").waitFor();
  const uncaught = log.locator("li.console-uncaught");
  assert.deepEqual(
    await uncaught
      .locator(".console-text")
      .evaluateAll((all) => all.map((text) => text.firstChild.textContent)),
    ["the page crashed on purpose", "nobody caught this rejection"],
  );
  // Every viewer sees that the page has errors; the badge names the last one.
  const badge = page.getByRole("status").filter({ hasText: "2 errors in this page" });
  await badge.waitFor();
  assert.equal(await badge.getAttribute("title"), "nobody caught this rejection");

  // A flood keeps the last 500 lines and says how many were dropped.
  await frame.getByRole("button", { name: "Flood" }).click();
  await log.getByText("line 600", { exact: true }).waitFor();
  assert.equal(await log.locator("li").count(), 500);
  await panel.getByText(/107 older dropped/).waitFor();

  await panel.getByRole("button", { name: "Clear" }).click();
  await panel.getByText(/Nothing yet/).waitFor();
  assert.equal(await log.locator("li").count(), 0);
  assert.equal(await page.getByText(/in this page$/).count(), 0, "clearing resets the error badge");

  await panel.getByRole("button", { name: "Close" }).focus();
  await page.keyboard.press("Escape");
  await panel.waitFor({ state: "detached" });
  assert.equal(await toggle.getAttribute("aria-expanded"), "false");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), "Console");
  await page.close();
});

test("members get the error badge but no page console", async () => {
  const page = await openDashboard("console", MEMBER);
  const frame = await pageFrame(page);
  await frame.getByRole("button", { name: "Crash" }).click();
  await page.getByRole("status").filter({ hasText: "1 error in this page" }).waitFor();
  assert.equal(await page.getByRole("button", { name: /^Console/ }).count(), 0);
  await page.close();
});

/** A tab on the app origin running the host harness for `slug`, signed in. */
async function openHarness(slug) {
  const page = await harnessBrowser.page();
  await signInThroughUi(page, server, ADMIN.email, ADMIN.password);
  await page.route(/\/__host-harness\?/, (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: harnessHtml }),
  );
  await page.goto(`${server.app}/__host-harness?project=default&page=${slug}`);
  await page.waitForFunction(() => window.__host?.ready || window.__host?.error);
  assert.equal(await page.evaluate(() => window.__host.error), null);
  return page;
}

/**
 * The page's content height, once the harness's iframe is exactly that tall. The content is
 * settled when this is called (the test waited for what it rendered).
 */
async function frameFitsContent(page, frame) {
  const content = await frame.evaluate(() =>
    Math.ceil(document.documentElement.getBoundingClientRect().height),
  );
  await page.waitForFunction(
    (height) => document.querySelector("iframe").getBoundingClientRect().height === height,
    content,
  );
  return content;
}

test("auto-resize: where the host enables it, the frame's height follows content that grows and shrinks", async () => {
  const page = await openHarness("growing");
  const frame = await pageFrame(page);
  // Smaller than an iframe's default 150 px: the frame shrinks to the content at once.
  const first = await frameFitsContent(page, frame);
  assert.ok(first < 150, `starts at the content's ${first} px`);

  for (let i = 0; i < 3; i += 1) await frame.getByRole("button", { name: "More" }).click();
  await frame.getByText("row 31", { exact: true }).waitFor();
  const grown = await frameFitsContent(page, frame);
  assert.equal(grown - first, 30 * 40, "grew by 30 rows of 40 px");

  for (let i = 0; i < 2; i += 1) await frame.getByRole("button", { name: "Less" }).click();
  await frame.getByText("row 12").waitFor({ state: "detached" });
  const shrunk = await frameFitsContent(page, frame);
  assert.equal(grown - shrunk, 20 * 40, "shrank by 20 rows of 40 px");
  await page.close();
});

test("auto-resize: a page whose height follows its frame's (100vh plus margins) does not grow it without end", async () => {
  const page = await openHarness("full-height");
  const frame = await pageFrame(page);
  await page.waitForFunction(() =>
    window.__host.console.some((line) => line.includes("auto-resize stopped")),
  );
  const frameHeight = () =>
    page.evaluate(() => document.querySelector("iframe").getBoundingClientRect().height);
  const settled = await frameHeight();
  const reported = await page.evaluate(() => window.__host.heights.length);
  assert.ok(settled < 200, `the frame settled at ${settled} px`);
  // The bridge keeps its messages in order: once "mark" arrives, every resize sent before it has.
  await frame.getByRole("button", { name: "Mark" }).click();
  await page.waitForFunction(() => window.__host.console.includes("log: mark"));
  assert.equal(await frameHeight(), settled);
  assert.equal(await page.evaluate(() => window.__host.heights.length), reported);
  await page.close();
});

/** The frame's document mark, and the iframe element's identity, as the harness sees them. */
async function frameState(page, frame) {
  const mark = await frame.evaluate(() => kapso.ready().then(() => window.__documentMark));
  const element = await page.evaluate(() => {
    const iframe = document.querySelector("iframe");
    iframe.dataset.seen ??= String(Math.random());
    return { seen: iframe.dataset.seen, count: document.querySelectorAll("iframe").length };
  });
  return { mark, ...element };
}

/** Waits until the host knows whether its page listens for context events. */
function hostListening(page, expected) {
  return page.waitForFunction((want) => window.__host.mounted.listening === want, expected);
}

test("a conversation change reaches a page that listens as a context event; the frame and its document stay", async () => {
  const page = await openHarness("listening");
  const frame = await pageFrame(page);
  await frame.getByTestId("events").getByText("0 context events").waitFor();
  await hostListening(page, true);
  const before = await frameState(page, frame);
  const frameRequests = [];
  page.on("request", (request) => {
    if (/\/pages\/[^/]+\/frame$/.test(new URL(request.url()).pathname)) frameRequests.push(request);
  });

  for (let n = 1; n <= 2; n += 1) {
    const outcome = await page.evaluate(() => window.__host.mounted.setConversation(undefined));
    assert.equal(outcome, "sent");
    await frame.getByTestId("events").getByText(`${n} context events`).waitFor();
  }
  // The context comes from the server each time (it names the conversation), and only that.
  assert.equal(frameRequests.length, 2);
  assert.deepEqual(await frameState(page, frame), before, "the same iframe, the same document");

  // Once the page stops listening, the next change reloads it in the same iframe element.
  await frame.getByRole("button", { name: "Stop listening" }).click();
  await hostListening(page, false);
  const outcome = await page.evaluate(() => window.__host.mounted.setConversation(undefined));
  assert.equal(outcome, "reloaded");
  const after_ = await frameState(page, frame);
  assert.equal(after_.seen, before.seen, "the same iframe element");
  assert.equal(after_.count, 1);
  assert.notEqual(after_.mark, before.mark, "a new document");
  await frame.getByTestId("events").getByText("0 context events").waitFor();
  // The reloaded page listens again, and says so over its new port.
  await hostListening(page, true);
  assert.equal(await page.evaluate(() => window.__host.mounted.setConversation(undefined)), "sent");
  await frame.getByTestId("events").getByText("1 context events").waitFor();
  await page.close();
});

test("a conversation change reloads a page that does not listen, in the same iframe element, each time", async () => {
  const page = await openHarness("not-listening");
  const frame = await pageFrame(page);
  await frame.getByText(`viewer ${owner.user.id}`).waitFor();
  let previous = await frameState(page, frame);
  assert.equal(await page.evaluate(() => window.__host.mounted.listening), false);
  // Twice in quick succession: grants signed in the same second differ only in their nonce,
  // and must still load a new document.
  for (let n = 0; n < 2; n += 1) {
    const outcome = await page.evaluate(() => window.__host.mounted.setConversation(undefined));
    assert.equal(outcome, "reloaded");
    const now = await frameState(page, frame);
    assert.equal(now.seen, previous.seen, "the same iframe element");
    assert.equal(now.count, 1);
    assert.notEqual(now.mark, previous.mark, "a new document");
    await frame.getByText(`viewer ${owner.user.id}`).waitFor();
    previous = now;
  }
  await page.close();
});
