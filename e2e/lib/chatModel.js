// A stand-in for an OpenAI-compatible chat completions endpoint (the page agent's model, a
// service outside Quire), for the agent's browser tests. It speaks the protocol as Ollama,
// vLLM and hosted APIs do: `POST /v1/chat/completions` with `stream: true` answers
// server-sent events, one `chat.completion.chunk` per piece of the text, then (when
// `stream_options.include_usage` is asked for and the reply has usage) a last chunk with empty
// `choices` and the token counts, then `data: [DONE]`. Replies come from a script, in order;
// every request body is kept for the test to read.

import { createServer } from "node:http";

/**
 * Starts the stand-in on a free loopback port. `script(replies)` queues replies, each
 * `{text, pieces?, hold?, usage?, status?}`: `hold: true` sends every piece but the last, then
 * waits for `release()` (so a test can see the answer arrive before it ends); `usage: null`
 * sends no counts; `status` answers that HTTP error instead.
 */
export async function startChatModel() {
  const requests = [];
  const queue = [];
  let releaseHeld = null;
  let heldSignal = null;
  const closed = [];

  const server = createServer((request, response) => {
    if (request.method !== "POST" || !request.url.endsWith("/chat/completions")) {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: "not found" } }));
      return;
    }
    let raw = "";
    request.setEncoding("utf8");
    request.on("data", (chunk) => (raw += chunk));
    request.on("end", () => answer(JSON.parse(raw), request, response));
  });

  async function answer(body, request, response) {
    requests.push({ body, authorization: request.headers.authorization ?? null });
    const reply = queue.shift();
    if (!reply) {
      response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: "the stand-in has no scripted reply left" } }));
      return;
    }
    if (reply.status) {
      response.writeHead(reply.status, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: `scripted ${reply.status}` } }));
      return;
    }
    let gone = false;
    response.on("close", () => {
      if (!response.writableFinished) {
        gone = true;
        closed.push(requests.length);
        releaseHeld?.();
      }
    });
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const id = `chatcmpl-${requests.length}`;
    const chunk = (data) => response.write(`data: ${JSON.stringify(data)}\n\n`);
    const pieces = split(reply.text, reply.pieces ?? 6);
    for (const [index, piece] of pieces.entries()) {
      if (index === pieces.length - 1 && reply.hold) {
        const released = new Promise((resolve) => (releaseHeld = resolve));
        heldSignal?.();
        await released;
        releaseHeld = null;
        if (gone) return;
      }
      chunk({
        id,
        object: "chat.completion.chunk",
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, delta: index === 0 ? { role: "assistant", content: piece } : { content: piece }, finish_reason: null }],
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    chunk({ id, object: "chat.completion.chunk", model: body.model, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
    const usage = reply.usage === undefined ? { prompt_tokens: 1200, completion_tokens: 300 } : reply.usage;
    if (usage && body.stream_options?.include_usage) {
      chunk({ id, object: "chat.completion.chunk", model: body.model, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
    }
    response.write("data: [DONE]\n\n");
    response.end();
  }

  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    /** Request numbers (1-based) whose client hung up before the answer ended. */
    closed,
    script(...replies) {
      queue.push(...replies);
    },
    /** Resolves once a held reply has sent all but its last piece. */
    held() {
      return new Promise((resolve) => (heldSignal = resolve));
    },
    release() {
      releaseHeld?.();
    },
    stop() {
      releaseHeld?.();
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** `text` in `count` pieces of about equal length (line-aligned where possible). */
function split(text, count) {
  const lines = text.split(/(?<=\n)/);
  const size = Math.max(1, Math.ceil(lines.length / count));
  const pieces = [];
  for (let i = 0; i < lines.length; i += size) pieces.push(lines.slice(i, i + size).join(""));
  return pieces.length > 1 ? pieces : [text.slice(0, text.length / 2), text.slice(text.length / 2)];
}
