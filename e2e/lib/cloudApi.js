// A stand-in for WhatsApp's Cloud API, for the inbox's browser tests: an HTTP server on a
// loopback port that checks each send's shape and answers as the Cloud API does, so nothing
// leaves the machine. Point `QUIRE_WHATSAPP_API_URL` at its `url`.

import { createServer } from "node:http";

const API_VERSION = "v21.0";

/**
 * Starts the stand-in for the number `connection` (`{phone_number_id, access_token}`): it takes
 * `POST /<version>/<phone number id>/messages` with the connection's bearer token and Meta's
 * text-message body, and answers with a wamid — or, while `state.refuse` is set, with Meta's
 * error body for that code. Every request is kept in `state.requests`, with what was wrong
 * with it, so a test can see what Quire sent.
 */
export function startCloudApi(connection) {
  const state = { requests: [], refuse: null, sent: 0 };
  const server = createServer((request, response) => {
    let raw = "";
    request.on("data", (chunk) => (raw += chunk));
    request.on("end", () => {
      const problems = [];
      const match = /^\/([^/]+)\/([^/]+)\/messages$/.exec(request.url ?? "");
      if (request.method !== "POST") problems.push(`method ${request.method}`);
      if (!match || match[1] !== API_VERSION) problems.push(`path ${request.url}`);
      if (match && match[2] !== connection.phone_number_id) problems.push(`phone number id ${match[2]}`);
      if (request.headers.authorization !== `Bearer ${connection.access_token}`) {
        problems.push(`authorization ${request.headers.authorization}`);
      }
      if (!(request.headers["content-type"] ?? "").startsWith("application/json")) {
        problems.push(`content-type ${request.headers["content-type"]}`);
      }
      let body = null;
      try {
        body = JSON.parse(raw);
      } catch {
        problems.push("a body that is not JSON");
      }
      if (body) {
        if (body.messaging_product !== "whatsapp") problems.push("messaging_product");
        if (body.recipient_type !== "individual") problems.push("recipient_type");
        if (body.type !== "text") problems.push(`type ${body.type}`);
        if (typeof body.to !== "string" || !/^\d{6,15}$/.test(body.to)) problems.push(`to ${body.to}`);
        if (typeof body.text?.body !== "string" || body.text.body === "") problems.push("text.body");
      }
      state.requests.push({ url: request.url, body, problems });
      response.setHeader("content-type", "application/json");
      if (problems.length > 0) {
        response.statusCode = 400;
        response.end(JSON.stringify({ error: { message: `stand-in: ${problems.join(", ")}`, code: 100 } }));
        return;
      }
      if (state.refuse === 131047) {
        response.statusCode = 400;
        response.end(
          JSON.stringify({
            error: {
              message: "(#131047) Re-engagement message",
              type: "OAuthException",
              code: 131047,
              error_data: {
                messaging_product: "whatsapp",
                details:
                  "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
              },
              error_user_title: "Re-engagement message",
              fbtrace_id: "A1b2C3d4E5",
            },
          }),
        );
        return;
      }
      state.sent += 1;
      response.end(
        JSON.stringify({
          messaging_product: "whatsapp",
          contacts: [{ input: body.to, wa_id: body.to }],
          messages: [{ id: `wamid.STANDIN${String(state.sent).padStart(4, "0")}` }],
        }),
      );
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        state,
        url: `http://127.0.0.1:${port}/${API_VERSION}`,
        close: () => new Promise((r) => server.close(r)),
      });
    });
  });
}
