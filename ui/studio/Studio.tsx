/**
 * The page studio, `/p/{project}/pages/{page}/edit`: the source on the left, the live preview
 * on the right (compiled as you type, nothing saved), problems under the editor, the page's
 * console under the preview. Save (Ctrl/Cmd-S) stores a version, conflict-safe; Publish
 * serves it. Versions, assets and settings open from the bar; `?panel=versions|assets|settings` keeps them
 * in the URL.
 */
import { useMutation } from "@tanstack/react-query";
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useLocation, useSearch } from "wouter";
import {
  ApiError,
  api,
  errorMessage,
  unwrap,
  type PageDetail,
  type Project,
  type User,
} from "../api/client";
import { invalidatePages, usePage } from "../api/queries";
import { Confirm } from "../components/Dialog";
import { Notice } from "../components/Notice";
import { MoreActions, type MoreItem } from "../components/MoreActions";
import { ThemeButton } from "../components/Shell";
import { useToast } from "../components/Toasts";
import { paths } from "../paths";
import { pageState } from "../screens/PageList";
import { CodeEditor, type CodeEditorHandle } from "./CodeEditor";
import { ConflictDialog } from "./ConflictDialog";
import { PageSettings } from "./PageSettings";
import { PreviewPane } from "./PreviewPane";
import { ProblemsPanel, problemsOf } from "./ProblemsPanel";
import { usePreview } from "./usePreview";
import { useTypeCheck } from "./useTypeProblems";
import { usePageConsole } from "../page/usePageConsole";
import { AgentPanel } from "./AgentPanel";
import { useAgentRun, useAgentStatus, type AgentProblem } from "./useAgentRun";
import { useAnnouncedPreview } from "./useAnnouncedPreview";
import { useLeaveGuard } from "./useLeaveGuard";
import { useSaveShortcut } from "../components/useSaveShortcut";
import { VersionsDrawer } from "./VersionsDrawer";
import { AssetsDrawer } from "./AssetsDrawer";

/** What the studio and the dev preview, the two tools on one page, are given. */
export interface PageToolProps {
  project: Project;
  pageRef: string;
  user: User;
  /** Frames what is said instead of the tool (loading, a missing page, a member) in the app's top bar. */
  framed: (children: ReactNode) => ReactNode;
}

/**
 * The studio of `pageRef`. Until its editor opens (loading, a missing page, a member who may
 * not edit), what it says is shown inside `framed`: the app's top bar, so there is a way on.
 */
export function Studio({ project, pageRef, user, framed }: PageToolProps) {
  const page = usePage(project.slug, pageRef);
  if (page.isPending) return framed(<Notice tone="quiet" title="Opening the studio…" />);
  if (page.isError) {
    const missing = page.error instanceof ApiError && page.error.status === 404;
    return framed(
      <Notice tone="error" title={missing ? "This page does not exist" : "The page could not be opened"}>
        {missing ? "It may have been deleted or renamed. " : `${errorMessage(page.error)} `}
        <Link href={paths.project(project.slug)}>Back to {project.name}’s pages</Link>
      </Notice>
    );
  }
  if (project.role === "member") {
    const published = page.data.published_version != null;
    return framed(
      <Notice tone="info" title="Only owners and admins edit pages">
        {published ? (
          <>
            You can <Link href={paths.dashboard(project.slug, page.data.slug)}>view “{page.data.name}”</Link>,
            as it was last published.
          </>
        ) : (
          <>
            “{page.data.name}” is not published yet: you can view it once an owner or admin publishes
            it. <Link href={paths.project(project.slug)}>Back to {project.name}’s pages</Link>
          </>
        )}
      </Notice>
    );
  }
  // Keyed by page id: another page gets a fresh editor and history.
  return <Editor key={page.data.id} project={project} page={page.data} user={user} />;
}

type Panel = "versions" | "settings" | "assets" | "agent" | null;

/** How long a built attempt's preview runs before the studio reports its errors to the agent. */
const CHECK_SETTLE_MS = 2000;
/** How long the check waits for the type checker before it reports without it. */
const CHECK_TYPES_MS = 10_000;

function Editor({ project, page, user }: { project: Project; page: PageDetail; user: User }) {
  const [location, navigate] = useLocation();
  const search = useSearch();
  const panel = new URLSearchParams(search).get("panel") as Panel;
  const setPanel = (next: Panel) =>
    navigate(next ? `${location}?panel=${next}` : location, { replace: true });
  const toast = useToast();
  const editor = useRef<CodeEditorHandle>(null);

  const initial = page.head?.source ?? "";
  const [text, setText] = useState(initial);
  const [savedText, setSavedText] = useState(initial);
  const [base, setBase] = useState<number | null>(page.head?.number ?? null);
  const [conflict, setConflict] = useState<{ theirs: string; number: number } | null>(null);
  const [confirmPublish, setConfirmPublish] = useState(false);
  const dirty = text !== savedText;
  useLeaveGuard(dirty);

  const pageConsole = usePageConsole();
  const agentStatus = useAgentStatus(project.slug);
  const [pendingCheck, setPendingCheck] = useState<{ attempt: number; source: string } | null>(null);
  const agent = useAgentRun(project.slug, page.id, {
    onText: (next) => editor.current?.replace(next),
    onSaved: (version, source) => {
      setBase(version);
      setSavedText(source);
      void invalidatePages(project.slug);
    },
    onCheck: (attempt, source) => setPendingCheck({ attempt, source }),
  });
  const agentRunning = agent.run?.phase === "running";
  // While the model writes, the text is half a page: the preview waits for the whole of it.
  const agentWriting = agentRunning && agent.run?.attempts.at(-1)?.status === "writing";
  const ownPreview = usePreview(project.slug, page.id, agentWriting ? null : text);
  // A build `quire dev` announced shows while this editor has no unsaved edits and no agent
  // run, until a newer compile of its own.
  const announced = useAnnouncedPreview(project.slug, page.id, user.id);
  const fromDev =
    announced !== null && !dirty && !agentRunning && announced.at > (ownPreview.lastGood?.at ?? -1)
      ? announced
      : null;
  const preview = useMemo(
    () =>
      fromDev
        ? {
            state: {
              status: "built" as const,
              frame: fromDev.frame,
              warm: fromDev.warm,
              build: { ok: true, diagnostics: [], artifact: null },
              at: fromDev.at,
              // The file `quire dev` built is on someone's disk, not here.
              text: "",
            },
            lastGood: { frame: fromDev.frame, warm: fromDev.warm, at: fromDev.at },
          }
        : ownPreview,
    [fromDev, ownPreview],
  );
  const typeCheck = useTypeCheck(text);
  const typeProblems = typeCheck.problems;
  useAgentCheck(pendingCheck, text, ownPreview.state, pageConsole.lines, typeCheck, (attempt, problems) => {
    setPendingCheck(null);
    void agent.report(attempt, problems);
  });
  const headBuild = page.head?.build;
  const problems = useMemo(() => {
    const state = preview.state;
    const built =
      state.status === "built" || state.status === "failed"
        ? problemsOf(state.build)
        : !dirty && headBuild
          ? problemsOf(headBuild)
          : [];
    return [...built, ...typeProblems].sort((a, b) => a.line - b.line || a.column - b.column);
  }, [preview.state, headBuild, dirty, typeProblems]);

  const save = useMutation({
    mutationFn: ({ source, baseVersion }: { source: string; baseVersion: number | null }) =>
      unwrap(
        api.PUT("/api/v1/projects/{p}/pages/{page}/source", {
          params: { path: { p: project.slug, page: page.id } },
          body: { source, base_version: baseVersion },
        }),
      ),
    onSuccess: async (saved, { source }) => {
      setBase(saved.version.number);
      setSavedText(source);
      setConflict(null);
      toast(
        saved.build.ok
          ? { tone: "ok", text: `Saved version ${saved.version.number}`, topic: "save" }
          : {
              tone: "error",
              text: `Saved version ${saved.version.number}, but it did not build: see Problems`,
              topic: "save",
            },
      );
      await invalidatePages(project.slug);
    },
    onError: async (error) => {
      if (error instanceof ApiError && error.code === "head_moved") {
        // Someone saved since this editor loaded: fetch theirs and offer to merge.
        const fresh = await unwrap(
          api.GET("/api/v1/projects/{p}/pages/{page}", {
            params: { path: { p: project.slug, page: page.id } },
          }),
        ).catch(() => null);
        if (fresh?.head) setConflict({ theirs: fresh.head.source, number: fresh.head.number });
        else toast({ tone: "error", text: error.message, topic: "save" });
        return;
      }
      toast({ tone: "error", text: errorMessage(error), topic: "save" });
    },
  });

  const doSave = useCallback(() => {
    const source = editor.current?.text() ?? text;
    if (save.isPending || agentRunning) return;
    save.mutate({ source, baseVersion: base });
  }, [save, base, text, agentRunning]);
  useSaveShortcut(doSave);

  const publish = useMutation({
    mutationFn: (version: number | null) =>
      unwrap(
        api.POST("/api/v1/projects/{p}/pages/{page}/publish", {
          params: { path: { p: project.slug, page: page.id } },
          body: { version },
        }),
      ),
    onSuccess: async (_, version) => {
      toast({ tone: "ok", text: `Published version ${version ?? base}`, topic: "publish" });
      await invalidatePages(project.slug);
    },
    onError: (error) => toast({ tone: "error", text: errorMessage(error), topic: "publish" }),
  });

  const unpublish = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v1/projects/{p}/pages/{page}/unpublish", {
          params: { path: { p: project.slug, page: page.id } },
        }),
      ),
    onSuccess: async () => {
      toast({ tone: "ok", text: "Unpublished: the page is a draft again", topic: "publish" });
      await invalidatePages(project.slug);
    },
    onError: (error) => toast({ tone: "error", text: errorMessage(error), topic: "publish" }),
  });

  const state = pageState(page);
  const headIsPublished = base !== null && page.published_version === base;
  const headBuilt = page.head?.number === base ? (page.head?.build.ok ?? false) : true;

  // Beside Save and Publish; on a phone, in a menu, so the bar keeps one row.
  const moreActions: MoreItem[] = [
    { label: "Versions", onSelect: () => setPanel("versions") },
    { label: "Assets", onSelect: () => setPanel("assets") },
    { label: "Settings", onSelect: () => setPanel("settings") },
    ...(page.published_version != null
      ? [
          { label: "View", href: paths.dashboard(project.slug, page.slug) },
          { label: "Unpublish", onSelect: () => unpublish.mutate(), disabled: unpublish.isPending },
        ]
      : []),
  ];

  return (
    <div className="studio">
      <header className="studio-bar">
        <Link href={paths.project(project.slug)} className="back" aria-label={`Back to ${project.name}`}>
          ← {project.name}
        </Link>
        <h1 className="studio-title">{page.name}</h1>
        <span className={`badge badge-${state.tone}`} title={state.title}>
          {state.label}
        </span>
        <span className="studio-save-state small muted" role="status">
          {save.isPending
            ? "Saving…"
            : dirty
              ? "Unsaved changes"
              : base !== null
                ? `Saved · v${base}`
                : "Never saved"}
        </span>
        <div className="studio-actions">
          <ThemeButton />
          <button
            type="button"
            className="button button-quiet"
            aria-pressed={panel === "agent"}
            onClick={() => setPanel(panel === "agent" && !agentRunning ? null : "agent")}
          >
            {agentRunning ? "Agent working…" : base === null ? "Describe a page" : "Ask for a change"}
          </button>
          <MoreActions items={moreActions} />
          <button
            type="button"
            className="button"
            disabled={save.isPending || agentRunning || (!dirty && base !== null)}
            onClick={doSave}
            title="Save a new version (Ctrl/Cmd-S)"
          >
            Save
          </button>
          <button
            type="button"
            className="button button-primary"
            disabled={publish.isPending || base === null || (headIsPublished && !dirty) || !headBuilt}
            title={
              !headBuilt
                ? "The saved version did not build: fix it and save first"
                : dirty
                  ? "Save and publish"
                  : "Serve the saved version to everyone"
            }
            onClick={() => (dirty ? setConfirmPublish(true) : publish.mutate(base))}
          >
            Publish
          </button>
        </div>
      </header>
      <div className="studio-main">
        <section className="studio-code" aria-label="Source">
          {panel === "agent" || agentRunning ? (
            <AgentPanel
              project={project.slug}
              status={agentStatus}
              agent={agent}
              newPage={base === null || text.trim() === ""}
              initialPrompt={base === null ? page.description : ""}
              onClose={() => setPanel(null)}
              onPickLine={(line, column) => editor.current?.goTo(line, column)}
            />
          ) : null}
          <CodeEditor
            ref={editor}
            initialText={initial}
            problems={problems}
            readOnly={agentRunning}
            label={`Source of ${page.name}`}
            onChange={setText}
            onSave={doSave}
          />
          <ProblemsPanel
            problems={problems}
            compiling={preview.state.status === "compiling"}
            onPick={(problem) => editor.current?.goTo(problem.line, problem.column)}
          />
        </section>
        <PreviewPane
          project={project}
          page={page}
          preview={preview}
          pageConsole={pageConsole}
          fromDev={fromDev ? (fromDev.by ?? "") : null}
        />
      </div>
      {panel === "versions" ? (
        <VersionsDrawer
          project={project}
          page={page}
          currentText={text}
          onClose={() => setPanel(null)}
          onOpenInEditor={(source) => editor.current?.replace(source)}
        />
      ) : null}
      {panel === "assets" ? <AssetsDrawer project={project} onClose={() => setPanel(null)} /> : null}
      {panel === "settings" ? (
        <PageSettings project={project} page={page} onClose={() => setPanel(null)} />
      ) : null}
      {conflict ? (
        <ConflictDialog
          theirs={conflict.theirs}
          theirNumber={conflict.number}
          mine={editor.current?.text() ?? text}
          busy={save.isPending}
          onCancel={() => setConflict(null)}
          onSave={(merged) => {
            editor.current?.replace(merged);
            save.mutate({ source: merged, baseVersion: conflict.number });
          }}
        />
      ) : null}
      <Confirm
        open={confirmPublish}
        title="Save and publish?"
        confirm="Save and publish"
        busy={save.isPending || publish.isPending}
        onClose={() => setConfirmPublish(false)}
        onConfirm={() => {
          const source = editor.current?.text() ?? text;
          save.mutate(
            { source, baseVersion: base },
            {
              onSuccess: (saved) => {
                setConfirmPublish(false);
                if (saved.build.ok) publish.mutate(saved.version.number);
              },
            },
          );
        }}
      >
        <p>Your changes are saved as a new version, which is then served to everyone who opens the page.</p>
      </Confirm>
    </div>
  );
}

/**
 * The studio's side of the page agent's check: once the saved attempt is in the editor and its
 * preview has run for a moment (and the type checker has looked at it, when it is running),
 * report its type errors and the preview's uncaught and console errors.
 */
function useAgentCheck(
  pending: { attempt: number; source: string } | null,
  text: string,
  preview: ReturnType<typeof usePreview>["state"],
  lines: ReturnType<typeof usePageConsole>["lines"],
  typeCheck: ReturnType<typeof useTypeCheck>,
  report: (attempt: number, problems: AgentProblem[]) => void,
) {
  const latest = useRef({ text, preview, lines, typeCheck, report });
  latest.current = { text, preview, lines, typeCheck, report };
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => {
      const { text, preview, lines, typeCheck, report } = latest.current;
      if (text !== pending.source || preview.status !== "built" || preview.text !== pending.source) return;
      const waited = performance.now() - preview.at;
      if (waited < CHECK_SETTLE_MS) return;
      const typesDone = !typeCheck.ready || typeCheck.checked === pending.source;
      if (!typesDone && waited < CHECK_TYPES_MS) return;
      clearInterval(timer);
      const problems: AgentProblem[] = [];
      if (typeCheck.checked === pending.source) {
        for (const problem of typeCheck.problems) {
          if (problem.severity !== "error") continue;
          problems.push({ source: "typescript", message: problem.message, line: problem.line, column: problem.column });
        }
      }
      for (const line of lines) {
        // The message only: the stack points into the bundle (and its signed URL), not the source.
        if (line.level === "uncaught") {
          problems.push({ source: "uncaught", message: line.text });
        } else if (line.level === "error") {
          problems.push({ source: "console", message: line.text });
        }
      }
      report(pending.attempt, problems.slice(0, 50));
    }, 250);
    return () => clearInterval(timer);
  }, [pending]);
}
