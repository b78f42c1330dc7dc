/**
 * Sending a reply: it shows at once in the thread as "sending", then becomes the message the
 * server stored (sent, or failed with WhatsApp's error), and the conversation moves to the
 * top of the list. A reply the server refused is taken out again and handed back.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Conversation, type Message } from "../../api/client";
import { PENDING_PREFIX, dropMessage, storeConversation, storeMessage } from "./cache";

let pendingIds = 0;

interface Reply {
  conversation: Conversation;
  text: string;
  pending: Message;
}

export function useSendReply(project: string, viewer: string | null) {
  const client = useQueryClient();
  const mutation = useMutation({
    mutationFn: ({ conversation, text }: Reply) =>
      unwrap(
        api.POST("/api/v1/projects/{p}/conversations/{c}/messages", {
          params: { path: { p: project, c: conversation.id } },
          body: { text },
        }),
      ),
    onMutate: ({ pending }) => storeMessage(client, project, pending),
    onSuccess: (message, { conversation, pending }) => {
      dropMessage(client, project, conversation.id, pending.id);
      storeMessage(client, project, message);
      storeConversation(client, project, {
        ...conversation,
        last_message_at: message.created_at,
        last_message_preview: message.body ?? "",
        last_message_direction: "outbound",
        last_message_sent_by: message.sent_by ?? null,
        last_message_sent_via: message.sent_via ?? null,
      });
    },
    onError: (_, { conversation, pending }) => dropMessage(client, project, conversation.id, pending.id),
  });

  /** Sends `text` to `conversation`; `onRefused` hears why the server did not take it. */
  return (conversation: Conversation, text: string, onRefused: (error: unknown, text: string) => void) => {
    const now = new Date().toISOString();
    pendingIds += 1;
    const pending: Message = {
      id: `${PENDING_PREFIX}${pendingIds}`,
      conversation_id: conversation.id,
      wamid: null,
      direction: "outbound",
      type: "text",
      body: text,
      data: {},
      status: "pending",
      error: null,
      sent_by: viewer,
      created_at: now,
      status_at: now,
    };
    mutation.mutate({ conversation, text, pending }, { onError: (error) => onRefused(error, text) });
  };
}
