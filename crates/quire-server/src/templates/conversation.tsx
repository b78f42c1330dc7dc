import React, { useEffect, useState } from "react";
import { createRoot } from "react-dom/client";

// A card for the inbox's conversation sidebar: who the conversation is with. It follows the
// conversation as the agent moves between them (`kapso.on("context")`); the frame stays alive.
function App() {
  const [context, setContext] = useState<KapsoContext | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let unsubscribe = () => {};
    kapso.ready().then(
      () => {
        setContext(kapso.getContext());
        unsubscribe = kapso.on("context", setContext);
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
    return () => unsubscribe();
  }, []);

  const dark = context?.system.theme === "dark";
  // The frame follows the viewer's theme to its edges: no body margin, the card's background.
  useEffect(() => {
    document.documentElement.style.colorScheme = dark ? "dark" : "light";
    document.body.style.margin = "0";
    document.body.style.background = dark ? "#1a1a1d" : "#ffffff";
  }, [dark]);

  if (error) return <p style={{ fontFamily: "system-ui", padding: 16 }}>{error}</p>;
  if (!context) return <p style={{ fontFamily: "system-ui", padding: 16 }}>Connecting…</p>;
  const conversation = context.context.conversation;
  return (
    <main
      style={{
        fontFamily: "system-ui",
        padding: 16,
        color: dark ? "#ececf0" : "#18181b",
        background: dark ? "#1a1a1d" : "#ffffff",
      }}
    >
      {conversation ? (
        <>
          <h1 style={{ fontSize: 18, margin: "0 0 4px" }}>{conversation.contactName ?? "Unknown contact"}</h1>
          <p style={{ margin: 0, opacity: 0.7 }}>{conversation.phoneNumber ?? "no phone number"}</p>
          <dl style={{ marginTop: 16, display: "grid", gridTemplateColumns: "auto 1fr", gap: "4px 12px" }}>
            <dt>Conversation</dt>
            <dd style={{ margin: 0, fontFamily: "ui-monospace, monospace", fontSize: 12, wordBreak: "break-all" }}>
              {conversation.id}
            </dd>
            <dt>WhatsApp contact</dt>
            <dd style={{ margin: 0 }}>{conversation.whatsappContactId ?? "—"}</dd>
            {/* The conversation's metadata, which owners and admins edit in the inbox's Info tab. */}
            {Object.entries(context.metadata).map(([key, value]) => (
              <React.Fragment key={key}>
                <dt>{key}</dt>
                <dd style={{ margin: 0 }}>{typeof value === "string" ? value : JSON.stringify(value)}</dd>
              </React.Fragment>
            ))}
          </dl>
        </>
      ) : (
        <p>Open a conversation in the inbox to see its contact here.</p>
      )}
    </main>
  );
}

const root = document.getElementById("root");
if (root) createRoot(root).render(<App />);
