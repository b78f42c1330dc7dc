/**
 * The conversation's detail panel, with tabs Info and Page (the tab is in the URL). The Page
 * tab's frame stays mounted once opened, so going to Info and back, or to another
 * conversation, does not restart the page.
 */
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { Connection, Conversation } from "../../api/client";
import { InfoTab } from "./InfoTab";
import { PageTab } from "./PageTab";
import type { DetailTab } from "./url";

const TABS: { id: DetailTab; label: string }[] = [
  { id: "info", label: "Info" },
  { id: "page", label: "Page" },
];

export function DetailPanel({
  project,
  conversation,
  connection,
  editor,
  tab,
  draft,
  onTab,
  onDraft,
  onBack,
}: {
  project: string;
  conversation: Conversation;
  connection: Connection | undefined;
  editor: boolean;
  tab: DetailTab;
  draft: boolean;
  onTab: (tab: DetailTab) => void;
  onDraft: (draft: boolean) => void;
  /** The phone's way back to the thread. */
  onBack: () => void;
}) {
  const [pageOpened, setPageOpened] = useState(tab === "page");
  useEffect(() => {
    if (tab === "page") setPageOpened(true);
  }, [tab]);
  const tabs = useRef<HTMLDivElement>(null);

  // Arrow keys move between the tabs, as in any tab list.
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    event.preventDefault();
    const next = TABS[(TABS.findIndex((t) => t.id === tab) + 1) % TABS.length].id;
    onTab(next);
    tabs.current?.querySelector<HTMLElement>(`#detail-tab-${next}`)?.focus();
  };

  return (
    <>
      <div className="detail-head">
        <button type="button" className="button button-quiet button-small inbox-back" onClick={onBack}>
          ← Conversation
        </button>
        <div className="detail-tabs" role="tablist" aria-label="Conversation details" ref={tabs} onKeyDown={onKeyDown}>
          {TABS.map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              id={`detail-tab-${t.id}`}
              aria-selected={tab === t.id}
              aria-controls={`detail-panel-${t.id}`}
              tabIndex={tab === t.id ? 0 : -1}
              className="detail-tab"
              onClick={() => onTab(t.id)}
            >
              {t.label}
            </button>
          ))}
        </div>
      </div>
      <div
        role="tabpanel"
        id="detail-panel-info"
        aria-labelledby="detail-tab-info"
        className="detail-body"
        hidden={tab !== "info"}
      >
        <InfoTab project={project} conversation={conversation} connection={connection} editor={editor} />
      </div>
      {pageOpened ? (
        <div
          role="tabpanel"
          id="detail-panel-page"
          aria-labelledby="detail-tab-page"
          className="detail-body detail-body-page"
          hidden={tab !== "page"}
        >
          <PageTab
            project={project}
            conversationId={conversation.id}
            editor={editor}
            draft={draft}
            onDraft={onDraft}
          />
        </div>
      ) : null}
    </>
  );
}
