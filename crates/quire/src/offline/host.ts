/**
 * The offline dev preview's host page (`quire dev --offline`), bundled at start with
 * bridge/host.ts: the page in the same sandboxed frame and bridge as the app's preview, its
 * function calls answered by the local `quire dev`. Each build `quire dev` reports over
 * `/events` loads hidden beside the shown frame and takes its place once its page started.
 */
import { mountPage, type MountedPage } from "../../../../bridge/host";

const slug = document.body.dataset.page ?? "";
const stage = document.getElementById("stage") as HTMLElement;
const status = document.getElementById("status") as HTMLElement;
let shown: { mounted: MountedPage; box: HTMLElement } | null = null;
let sequence = 0;

async function show(): Promise<void> {
  const mine = ++sequence;
  const box = document.createElement("div");
  box.className = "frame next";
  stage.appendChild(box);
  const mounted = mountPage(box, {
    project: "local",
    page: slug,
    mode: "preview",
    title: `Preview of ${slug}`,
    credentials: () => ({}),
    endpoints: { frame: `/frame/${encodeURIComponent(slug)}`, invoke: `/invoke/${encodeURIComponent(slug)}` },
    autoResize: false,
    onConsole: (level, args) => console[level](`[${slug}]`, ...args),
    onError: (message, stack) => console.error(`[${slug}] ${message}\n${stack}`),
  });
  try {
    await mounted.ready;
  } catch (error) {
    if (mine === sequence) status.textContent = `Not shown: ${error instanceof Error ? error.message : String(error)}`;
    mounted.destroy();
    box.remove();
    return;
  }
  if (mine !== sequence) {
    mounted.destroy();
    box.remove();
    return;
  }
  box.className = "frame";
  if (shown) {
    shown.mounted.destroy();
    shown.box.remove();
  }
  shown = { mounted, box };
  status.textContent = `Live · ${new Date().toLocaleTimeString()}`;
}

const events = new EventSource("/events");
events.addEventListener("built", (event) => {
  const data = JSON.parse((event as MessageEvent).data as string) as { page?: string };
  if (data.page === slug) void show();
});
events.addEventListener("failed", (event) => {
  const data = JSON.parse((event as MessageEvent).data as string) as { page?: string };
  if (data.page === slug) status.textContent = "Does not build: see the terminal; showing the last good render";
});
void show();
