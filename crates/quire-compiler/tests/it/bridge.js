// Drives the compiled kapso bridge (argv[2]) in Node with a fake frame: a parent window, a
// location with the nonce, and a MessageChannel standing in for the host. Exits non-zero on
// the first broken expectation. Run by bridge.rs.
"use strict";
const fs = require("node:fs");
const assert = require("node:assert/strict");

const script = fs.readFileSync(process.argv[2], "utf8");
const scenario = process.argv[3];

const frame = new EventTarget();
const posted = [];
const parentWindow = { postMessage: (message, origin) => posted.push({ message, origin }) };
const printed = [];
for (const level of ["log", "info", "warn", "error", "debug"]) {
  console[level] = (...args) => printed.push([level, ...args]);
}
globalThis.window = globalThis;
globalThis.addEventListener = frame.addEventListener.bind(frame);
globalThis.location = { hash: "#nonce=n-123", pathname: "/artifact", search: "" };
globalThis.history = { replaceState() {} };
// The document element as auto-resize measures it: content shorter than the frame is measured
// by its box, taller content by its scrollHeight (never less than the frame's clientHeight).
const root = { clientHeight: 600, scrollHeight: 600, boxHeight: 321.5 };
root.getBoundingClientRect = () => ({ height: root.boxHeight });
// An artifact, not a shell (`<html data-quire-shell>`): it takes no page from the host.
root.hasAttribute = (name) => (name === "data-quire-shell" ? false : assert.fail(`hasAttribute(${name})`));
globalThis.document = { documentElement: root };
globalThis.ResizeObserver = class {
  observe() {}
};
if (scenario === "standalone") {
  globalThis.parent = globalThis;
  // Run the 10 s handshake timeout at 1/1000 speed.
  const realSetTimeout = setTimeout;
  globalThis.setTimeout = (fn, ms, ...rest) => realSetTimeout(fn, ms / 1000, ...rest);
} else {
  globalThis.parent = parentWindow;
}

function deliver(data, source, ports = []) {
  const event = new Event("message");
  Object.defineProperties(event, {
    data: { value: data },
    source: { value: source },
    ports: { value: ports },
  });
  frame.dispatchEvent(event);
}

const next = (port) => new Promise((resolve) => port.once("message", resolve));
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function hosted() {
  (0, eval)(script);
  const kapso = globalThis.kapso;
  assert.deepEqual(posted, [{ message: { type: "kapso:hello", nonce: "n-123" }, origin: "*" }]);
  assert.throws(() => kapso.getContext(), /await kapso\.ready\(\) first/);
  console.log("before the handshake", { n: 1 });
  // A context listener registered before the handshake is announced first after it.
  const offEarly = kapso.on("context", () => {});

  const context = {
    system: { projectId: "p1", pageId: "pg1", viewerUserId: "u1", mountPoint: null, mode: "preview", theme: "dark" },
    context: { conversation: null },
    vars: {},
    metadata: {},
  };
  // Ignored: the wrong nonce, the wrong source, no port.
  const wrong = new MessageChannel();
  deliver({ type: "kapso:welcome", nonce: "other", context }, parentWindow, [wrong.port1]);
  deliver({ type: "kapso:welcome", nonce: "n-123", context }, {}, [wrong.port1]);
  deliver({ type: "kapso:welcome", nonce: "n-123", context }, parentWindow, []);
  await tick();
  assert.throws(() => kapso.getContext());

  const { port1, port2: host } = new MessageChannel();
  const early = [];
  host.on("message", (m) => early.push(m));
  deliver({ type: "kapso:welcome", nonce: "n-123", context }, parentWindow, [port1]);
  await kapso.ready();
  await tick();
  await tick();
  assert.deepEqual(early[0], { type: "kapso:listening", event: "context", listening: true });
  assert.deepEqual(early[1], { type: "console", level: "log", args: ["before the handshake", '{"n":1}'] });
  assert.deepEqual(early[2], { type: "resize", height: 322 });
  assert.equal(early.length, 3);
  host.removeAllListeners("message");

  const copy = kapso.getContext();
  assert.deepEqual(copy, context);
  copy.system.pageId = "changed";
  assert.equal(kapso.getContext().system.pageId, "pg1", "getContext returns a copy");

  const call = kapso.invokeFunction({ slug: "your-function-slug", payload: { id: "123" } });
  const request = await next(host);
  assert.deepEqual(request, { type: "invoke", id: request.id, function: { slug: "your-function-slug" }, payload: { id: "123" } });
  host.postMessage({ type: "result", id: request.id, ok: true, value: { hello: "world" } });
  assert.deepEqual(await call, { hello: "world" });

  const failing = kapso.invokeFunction({ id: "fn_1", payload: null });
  const request2 = await next(host);
  assert.deepEqual(request2.function, { id: "fn_1" });
  host.postMessage({ type: "result", id: request2.id, ok: false, error: { message: "boom from the function" } });
  await assert.rejects(failing, (e) => e instanceof Error && e.message === "boom from the function");

  const slow = kapso.invokeFunction({ slug: "slow" }, { timeoutMs: 20 });
  await next(host);
  await assert.rejects(slow, /timed out after 20 ms/);
  await assert.rejects(kapso.invokeFunction({ payload: 1 }), /id or slug/);

  const seen = [];
  // One listener swapped for another in the same task (a React effect re-run) announces nothing:
  // the next message the host gets is the one after the last listener goes.
  offEarly();
  const off = kapso.on("context", (c) => seen.push(c.context.conversation.id));
  const updated = { ...context, context: { conversation: { id: "c9", phoneNumber: "+1", whatsappContactId: null, whatsappConfigId: null, whatsappPhoneNumberId: null, contactName: "Ada" } } };
  host.postMessage({ type: "context", context: updated });
  await tick();
  await tick();
  assert.deepEqual(seen, ["c9"]);
  assert.equal(kapso.getContext().context.conversation.contactName, "Ada");
  const stopped = next(host);
  off();
  assert.deepEqual(await stopped, { type: "kapso:listening", event: "context", listening: false });
  host.postMessage({ type: "context", context });
  await tick();
  await tick();
  assert.deepEqual(seen, ["c9"], "unsubscribed listeners are not called");
  // A page sent to an artifact that has its own is ignored (the fake document could not run it).
  host.postMessage({ type: "page", script: "globalThis.ranAPage = true", css: "" });
  await tick();
  await tick();
  assert.equal(globalThis.ranAPage, undefined);

  const logged = next(host);
  console.warn("careful", 42);
  assert.deepEqual(await logged, { type: "console", level: "warn", args: ["careful", "42"] });
  assert.ok(printed.some((p) => p[0] === "warn" && p[1] === "careful"), "the page's console still prints");

  // Auto-resize: content taller than the frame is sent by its scrollHeight...
  const resized = () => {
    const message = next(host);
    frame.dispatchEvent(new Event("resize"));
    return message;
  };
  Object.assign(root, { scrollHeight: 700, boxHeight: 700 });
  assert.deepEqual(await resized(), { type: "resize", height: 700 });
  // ...a growth that only mirrors the frame's own (100vh plus a margin) is held back, once said...
  Object.assign(root, { clientHeight: 700, scrollHeight: 800, boxHeight: 800 });
  const warned = await resized();
  assert.equal(warned.type, "console");
  assert.match(warned.args[0], /auto-resize stopped following this page's height/);
  // ...and content that shrinks below the frame is measured by its box, not the frame.
  Object.assign(root, { scrollHeight: 700, boxHeight: 250.2 });
  assert.deepEqual(await resized(), { type: "resize", height: 251 });
}

async function standalone() {
  (0, eval)(script);
  assert.deepEqual(posted, [], "a top-level document posts no handshake");
  await assert.rejects(globalThis.kapso.ready(), {
    message: "kapso.ready() timed out: this page is not running inside Quire (no host answered the handshake)",
  });
}

(scenario === "standalone" ? standalone() : hosted()).then(
  () => {
    process.stdout.write(`bridge ${scenario}: ok\n`);
    process.exit(0);
  },
  (error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
