/**
 * The studio's TypeScript worker, bundled by the server on its own
 * (crates/quire-server/src/ui/build.rs) into /assets/typescript-worker-<hash>.js. It waits for
 * the setup message, fetches the declarations, and then answers the studio's questions about
 * the page in order (protocol.ts).
 */
import { createPageService, type PageService } from "./pageService";
import type { Request, Response, Setup } from "./protocol";

/** What this file uses of a dedicated worker's global scope (the DOM lib types a window). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<Setup | Request>) => void) | null;
  postMessage(message: Response): void;
}

const scope = globalThis as unknown as WorkerScope;
let service: Promise<PageService> | null = null;

async function load(setup: Setup): Promise<PageService> {
  const text = async (url: string) => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return response.text();
  };
  const [declarations, kapso] = await Promise.all([text(setup.declarations), text(setup.kapso)]);
  return createPageService(JSON.parse(declarations) as Record<string, string>, kapso);
}

function answer(service: PageService, request: Request) {
  switch (request.kind) {
    case "diagnostics":
      return service.diagnostics(request.text);
    case "completions":
      return service.completions(request.text, request.offset);
    case "completionDetails":
      return service.completionDetails(request.text, request.offset, request.name, request.source);
    case "quickInfo":
      return service.quickInfo(request.text, request.offset);
  }
}

scope.onmessage = (event) => {
  const message = event.data;
  if (message.kind === "setup") {
    service ??= load(message);
    service.then(
      () => scope.postMessage({ kind: "ready" }),
      (error: unknown) => scope.postMessage({ kind: "failed", message: String(error) }),
    );
    return;
  }
  if (!service) {
    scope.postMessage({ kind: "error", id: message.id, message: "the worker was not set up" });
    return;
  }
  service
    .then((ready) => scope.postMessage({ kind: "answer", id: message.id, result: answer(ready, message) }))
    .catch((error: unknown) => scope.postMessage({ kind: "error", id: message.id, message: String(error) }));
};
