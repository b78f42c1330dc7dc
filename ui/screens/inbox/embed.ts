/**
 * Whether the inbox is shown embedded in another site (see EmbeddedInbox.tsx), and what its
 * embed shows: the inbox's screens read it to leave out what an embed cannot do (settings,
 * drafts, metadata) and to open the mounted page in `embedded` mode.
 */
import { createContext, useContext } from "react";
import type { EmbedSession } from "../../api/client";

export const EmbedContext = createContext<EmbedSession | null>(null);

/** The embed this inbox is shown as; `null` in the app itself. */
export function useEmbed(): EmbedSession | null {
  return useContext(EmbedContext);
}
