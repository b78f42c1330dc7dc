/**
 * The app's side of the TypeScript worker: one worker per app load, started when the browser
 * is idle after an editor opened (it is over a megabyte, so it never delays the editor), and
 * asked questions that come back as promises. The index document names the worker and the
 * declarations it loads (`<meta name="quire-typescript-…">`); without them (the worker did
 * not build) the studio keeps its simpler assists.
 */
import type { Answers, Query, Response } from "./protocol";

/** `off` until started; `unavailable` when this build has no worker. */
export type TypeScriptStatus = "off" | "loading" | "ready" | "failed" | "unavailable";

type Pending = { resolve: (value: never) => void; reject: (error: Error) => void };

const meta = (name: string) =>
  document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? "";

class TypeScriptClient {
  status: TypeScriptStatus = "off";
  private worker: Worker | null = null;
  private next = 1;
  private pending = new Map<number, Pending>();
  private listeners = new Set<(status: TypeScriptStatus) => void>();

  /** Calls `listener` on every later change of status; returns the unsubscription. */
  onStatus(listener: (status: TypeScriptStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the worker once the browser is idle (at most two seconds from now). */
  startWhenIdle() {
    if (this.status !== "off") return;
    this.set("loading");
    const start = () => this.start();
    if ("requestIdleCallback" in window) requestIdleCallback(start, { timeout: 2000 });
    else setTimeout(start, 200);
  }

  /** The worker's answer to `query`; rejects when the worker is not ready or fails. */
  ask<K extends Query["kind"]>(query: Extract<Query, { kind: K }>): Promise<Answers[K]> {
    const worker = this.worker;
    if (!worker || this.status !== "ready") {
      return Promise.reject(new Error(`the TypeScript worker is ${this.status}`));
    }
    const id = this.next++;
    return new Promise<Answers[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: never) => void, reject });
      worker.postMessage({ id, ...query });
    });
  }

  private start() {
    const url = meta("quire-typescript-worker");
    const declarations = meta("quire-typescript-declarations");
    if (!url || !declarations) {
      this.set("unavailable");
      return;
    }
    const worker = new Worker(url, { name: "typescript" });
    worker.onmessage = (event: MessageEvent<Response>) => this.receive(event.data);
    worker.onerror = (event) => this.fail(event.message || "the TypeScript worker stopped");
    worker.postMessage({ kind: "setup", declarations, kapso: "/api/v1/kapso.d.ts" });
    this.worker = worker;
  }

  private receive(message: Response) {
    switch (message.kind) {
      case "ready":
        this.set("ready");
        return;
      case "failed":
        this.fail(message.message);
        return;
      case "answer":
      case "error": {
        const pending = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.kind === "answer") pending?.resolve(message.result as never);
        else pending?.reject(new Error(message.message));
      }
    }
  }

  private fail(message: string) {
    console.warn(`Type checking in the editor is off: ${message}`);
    this.worker?.terminate();
    this.worker = null;
    for (const pending of this.pending.values()) pending.reject(new Error(message));
    this.pending.clear();
    this.set("failed");
  }

  private set(status: TypeScriptStatus) {
    this.status = status;
    for (const listener of this.listeners) listener(status);
  }
}

/** The app's one TypeScript worker. */
export const typescript = new TypeScriptClient();
