/**
 * Server-sent events read with `fetch`, for a stream whose credential is a header (an
 * embedded inbox's `Authorization`), which the browser's `EventSource` cannot send. It does
 * what `ProjectStream` uses of `EventSource`: named events with their ids, `onerror` once when
 * the stream fails or ends (the caller reconnects), and `close`.
 */
export class HeaderEventSource {
  onerror: (() => void) | null = null;
  private readonly listeners = new Map<string, Set<(event: Event) => void>>();
  private readonly aborter = new AbortController();
  private lastEventId = "";

  constructor(url: string, headers: Record<string, string>) {
    void this.read(url, headers);
  }

  addEventListener(kind: string, listener: (event: Event) => void): void {
    let set = this.listeners.get(kind);
    if (!set) {
      set = new Set();
      this.listeners.set(kind, set);
    }
    set.add(listener);
  }

  close(): void {
    this.aborter.abort();
  }

  private async read(url: string, headers: Record<string, string>) {
    try {
      const response = await fetch(url, {
        headers: { ...headers, accept: "text/event-stream" },
        credentials: "same-origin",
        cache: "no-store",
        signal: this.aborter.signal,
      });
      if (!response.ok || !response.body) throw new Error(`the stream answered ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      let kind = "message";
      let data: string[] = [];
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end = buffer.indexOf("\n");
        while (end >= 0) {
          const line = buffer.slice(0, end).replace(/\r$/, "");
          buffer = buffer.slice(end + 1);
          end = buffer.indexOf("\n");
          if (line === "") {
            // A blank line ends an event (the format's rule: one without data is dropped).
            if (data.length > 0) this.dispatch(kind, data.join("\n"));
            kind = "message";
            data = [];
            continue;
          }
          if (line.startsWith(":")) continue; // a keep-alive comment
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "event") kind = text;
          else if (field === "data") data.push(text);
          else if (field === "id" && !text.includes("\0")) this.lastEventId = text;
        }
      }
      throw new Error("the stream ended");
    } catch {
      if (!this.aborter.signal.aborted) this.onerror?.();
    }
  }

  private dispatch(kind: string, data: string) {
    const event = new MessageEvent(kind, { data, lastEventId: this.lastEventId });
    for (const listener of this.listeners.get(kind) ?? []) listener(event);
  }
}
