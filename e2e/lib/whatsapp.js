// WhatsApp deliveries as Meta sends them, for the inbox's browser tests: the payload of
// messages from one contact to one number, and the signed POST to a project's webhook.

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";

/**
 * Meta's delivery of `messages` (each without `from`, added here) from `contact`
 * (`{name, waId}`) to the number `to` (`{phone_number_id, display_phone_number}`).
 */
export function messagesFrom(contact, messages, to) {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "102290129340398",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: {
                display_phone_number: to.display_phone_number,
                phone_number_id: to.phone_number_id,
              },
              contacts: [{ profile: { name: contact.name }, wa_id: contact.waId }],
              messages: messages.map((m) => ({ from: contact.waId, ...m })),
            },
          },
        ],
      },
    ],
  };
}

/** A text message of now, with the wamid `id`. */
export function text(id, body) {
  return { id, timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body } };
}

/**
 * Posts `payload` to `project`'s webhook on the app at `app`, signed with `secret` as Meta
 * signs deliveries, and checks it was taken.
 */
export async function deliver(app, project, payload, secret) {
  const body = JSON.stringify(payload);
  const signature = createHmac("sha256", secret).update(body).digest("hex");
  const response = await fetch(`${app}/api/v1/projects/${project}/webhooks/whatsapp`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": `sha256=${signature}` },
    body,
  });
  assert.equal(response.status, 200, await response.text());
}
