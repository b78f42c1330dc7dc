/**
 * The Page tab: the project's page mounted at `inbox_conversation_sidebar`, in its sandboxed
 * frame with the selected conversation in its context (mode `regular`, auto-resize on). The
 * frame stays when the conversation changes: a page listening for context events gets one, any
 * other is reloaded in place. Owners and admins may switch to the head version (mode
 * `preview`) to try a draft. Says what to do when nothing is mounted or published. In an
 * embedded inbox: the published version only, in `embedded` mode.
 */
import { useState } from "react";
import { Link } from "wouter";
import type { EmbedSession, Page } from "../../api/client";
import { usePages } from "../../api/queries";
import { LoadError } from "../../components/LoadError";
import { PageFrame } from "../../page/PageFrame";
import { usePageConsole } from "../../page/usePageConsole";
import { paths } from "../../paths";
import { useTheme } from "../../theme";
import { useEmbed } from "./embed";

export const MOUNT_POINT = "inbox_conversation_sidebar";

/** The page mounted in the inbox sidebar, from the project's pages. */
export function mountedPage(pages: Page[] | undefined): Page | undefined {
  return pages?.find((page) => page.mount_point === MOUNT_POINT || page.inbox_mount);
}

export function PageTab({
  project,
  conversationId,
  editor,
  draft,
  onDraft,
}: {
  project: string;
  conversationId: string;
  editor: boolean;
  /** Owners and admins: show the head version instead of the published one. */
  draft: boolean;
  onDraft: (draft: boolean) => void;
}) {
  const embed = useEmbed();
  if (embed) return <EmbeddedPageTab embed={embed} project={project} conversationId={conversationId} />;
  return <MemberPageTab project={project} conversationId={conversationId} editor={editor} draft={draft} onDraft={onDraft} />;
}

/** An embedded inbox's Page tab: the mounted page's published version, in `embedded` mode. */
function EmbeddedPageTab({
  embed,
  project,
  conversationId,
}: {
  embed: EmbedSession;
  project: string;
  conversationId: string;
}) {
  const theme = useTheme().theme;
  const [failure, setFailure] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const page = embed.page;
  if (!page) {
    return (
      <div className="inbox-empty page-tab-empty">
        <p className="inbox-empty-title">No page here yet</p>
        <p className="muted small">
          When the team publishes a page for the inbox, it shows here beside every conversation.
        </p>
      </div>
    );
  }
  if (failure) {
    return (
      <div className="inbox-empty page-tab-empty" role="alert">
        <p className="inbox-empty-title">The page could not be opened</p>
        <p className="muted small">{failure}</p>
        <button
          type="button"
          className="button button-small"
          onClick={() => {
            setFailure(null);
            setAttempt((n) => n + 1);
          }}
        >
          Try again
        </button>
      </div>
    );
  }
  return (
    <div className="page-tab">
      <div className="page-tab-bar">
        <span className="page-tab-name" title={page.name}>
          {page.name}
        </span>
      </div>
      <PageFrame
        key={attempt}
        project={project}
        page={page.id}
        mode="embedded"
        title={page.name}
        theme={theme}
        conversationId={conversationId}
        autoResize
        className="page-frame inbox-page-frame"
        onReady={() => setFailure(null)}
        onFailed={(error) => setFailure(error.message)}
      />
    </div>
  );
}

function MemberPageTab({
  project,
  conversationId,
  editor,
  draft,
  onDraft,
}: {
  project: string;
  conversationId: string;
  editor: boolean;
  draft: boolean;
  onDraft: (draft: boolean) => void;
}) {
  const pages = usePages(project);
  const theme = useTheme().theme;
  const pageConsole = usePageConsole();
  const [failure, setFailure] = useState<{ key: string; message: string } | null>(null);
  const [attempt, setAttempt] = useState(0);

  if (pages.isPending) {
    return (
      <div className="page-tab" aria-busy="true">
        <span className="skeleton" style={{ height: 180 }} />
      </div>
    );
  }
  if (pages.isError) {
    return <LoadError title="The project's pages could not be loaded" error={pages.error} retry={() => void pages.refetch()} />;
  }
  const page = mountedPage(pages.data);
  if (!page) {
    return (
      <div className="inbox-empty page-tab-empty">
        <p className="inbox-empty-title">No page in the inbox yet</p>
        {editor ? (
          <>
            <p className="muted small">
              A page mounted here shows beside every conversation and reads it with{" "}
              <code>kapso.getContext()</code>: the contact, the number, the metadata. Start from the
              “Conversation card” template, or open a page in the studio and, in its settings, tick
              “Show in the inbox’s conversation sidebar”.
            </p>
            <Link href={`${paths.project(project)}?new=1`} className="button button-primary button-small">
              New page
            </Link>{" "}
            <Link href={paths.project(project)} className="button button-small">
              Your pages
            </Link>
          </>
        ) : (
          <p className="muted small">
            An owner or admin of the project can mount a page here: it shows beside every
            conversation, with the conversation's details.
          </p>
        )}
      </div>
    );
  }

  const published = page.published_version != null;
  const showDraft = editor && (draft || !published);
  const mode = showDraft ? "preview" : "regular";
  const key = `${page.id}:${mode}:${attempt}`;
  const failed = failure?.key === key ? failure.message : null;

  return (
    <div className="page-tab">
      <div className="page-tab-bar">
        <span className="page-tab-name" title={page.name}>
          {page.name}
        </span>
        {pageConsole.errors > 0 ? (
          <span className="badge badge-error" role="status" title={pageConsole.lastError ?? ""}>
            {pageConsole.errors === 1 ? "1 error" : `${pageConsole.errors} errors`}
          </span>
        ) : null}
        {editor ? (
          <div className="segmented segmented-small" role="group" aria-label="Version shown">
            <button
              type="button"
              aria-pressed={!showDraft}
              disabled={!published}
              title={published ? `v${page.published_version}, what members see` : "Not published yet"}
              onClick={() => onDraft(false)}
            >
              Published
            </button>
            <button
              type="button"
              aria-pressed={showDraft}
              title={page.head_version != null ? `v${page.head_version}, the newest saved version` : "Never saved"}
              onClick={() => onDraft(true)}
            >
              Draft
            </button>
          </div>
        ) : null}
        {editor ? (
          <Link href={paths.studio(project, page.slug)} className="button button-quiet button-small">
            Edit
          </Link>
        ) : null}
      </div>
      {!published && !editor ? (
        <div className="inbox-empty page-tab-empty">
          <p className="inbox-empty-title">“{page.name}” is not published yet</p>
          <p className="muted small">It shows here once an owner or admin publishes it.</p>
        </div>
      ) : failed ? (
        <div className="inbox-empty page-tab-empty" role="alert">
          <p className="inbox-empty-title">The page could not be opened</p>
          <p className="muted small">{failed}</p>
          <button type="button" className="button button-small" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </div>
      ) : (
        <>
          {showDraft ? (
            <p className="page-tab-draft small">
              Draft v{page.head_version ?? "?"}: only owners and admins see this version.
            </p>
          ) : null}
          <PageFrame
            key={key}
            project={project}
            page={page.id}
            mode={mode}
            title={page.name}
            theme={theme}
            conversationId={conversationId}
            autoResize
            className="page-frame inbox-page-frame"
            onReady={() => setFailure(null)}
            onFailed={(error) => setFailure({ key, message: error.message })}
            onConsole={pageConsole.log}
            onPageError={pageConsole.uncaught}
          />
        </>
      )}
    </div>
  );
}
