/**
 * The inbox's live updates: each `conversation.updated` moves the conversation into place in
 * every cached list, each `message.created` / `message.updated` lands in its cached thread (a
 * status only ever moves forward there), and a `reset` (the stream lost its place) reloads
 * everything the inbox shows. Answers the connection's state for the header's indicator.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useProjectEvents, useLiveState, type LiveState } from "../../api/events";
import type { Conversation, Message } from "../../api/client";
import { keys } from "../../api/queries";
import { storeConversation, storeMessage } from "./cache";

const field = (data: unknown, name: string): unknown =>
  typeof data === "object" && data !== null ? (data as Record<string, unknown>)[name] : undefined;

/** Enough of a conversation view to place it (the server sends the API's view). */
function asConversation(value: unknown): Conversation | null {
  return typeof field(value, "id") === "string" && typeof field(value, "last_message_at") === "string"
    ? (value as Conversation)
    : null;
}

function asMessage(value: unknown): Message | null {
  return typeof field(value, "id") === "string" &&
    typeof field(value, "conversation_id") === "string" &&
    typeof field(value, "created_at") === "string"
    ? (value as Message)
    : null;
}

export function useInboxLive(project: string): LiveState {
  const client = useQueryClient();
  useProjectEvents(project, (event) => {
    if (event.kind === "reset") {
      void client.invalidateQueries({ queryKey: keys.inbox(project) });
    } else if (event.kind === "conversation.updated") {
      const conversation = asConversation(field(event.data, "conversation"));
      if (conversation) storeConversation(client, project, conversation);
    } else if (event.kind === "message.created" || event.kind === "message.updated") {
      const message = asMessage(field(event.data, "message"));
      if (message) storeMessage(client, project, message);
    }
  });
  return useLiveState(project);
}
