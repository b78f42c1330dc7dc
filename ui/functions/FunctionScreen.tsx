/**
 * A function's screen: its code (CodeMirror with the runtime's completion), Save and Deploy,
 * the load error at its line and in the problems list, and beside it the tabs Test, History,
 * Secrets and Settings, the tab in the URL (`?tab=`). Members read the deployed code and the
 * history; they see no draft, no secret names and no test runs.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo, useRef, useState } from "react";
import { Link, useLocation, useSearch } from "wouter";
import {
  api,
  canEdit,
  errorMessage,
  unwrap,
  type FunctionDetail,
  type LoadError,
  type Project,
} from "../api/client";
import { invalidateFunctions, keys, useFunction, useSecrets } from "../api/queries";
import { Notice } from "../components/Notice";
import { useSaveShortcut } from "../components/useSaveShortcut";
import { useToast } from "../components/Toasts";
import { paths } from "../paths";
import type { Problem } from "../studio/CodeEditor";
import { ProblemsPanel } from "../studio/ProblemsPanel";
import { useLeaveGuard } from "../studio/useLeaveGuard";
import { FunctionEditor, type EditorControl } from "./FunctionEditor";
import { HistoryPanel } from "./HistoryPanel";
import { SecretsPanel } from "./SecretsPanel";
import { SettingsPanel } from "./SettingsPanel";
import { TestPanel } from "./TestPanel";
import { functionState } from "./status";
import "./functions.css";

const EDITOR_TABS = ["test", "history", "secrets", "settings"] as const;
const MEMBER_TABS = ["history"] as const;
const TAB_LABEL: Record<string, string> = {
  test: "Test",
  history: "History",
  secrets: "Secrets",
  settings: "Settings",
};

/** A load error as a problem at its place (the first line when the runtime gave none). */
function problemOf(error: LoadError | null | undefined): Problem[] {
  if (!error) return [];
  return [
    {
      severity: "error",
      line: error.line ?? 1,
      column: error.column ?? 1,
      message: error.message,
      source: "runtime",
    },
  ];
}

export function FunctionScreen({ project, fnRef }: { project: Project; fnRef: string }) {
  const detail = useFunction(project.slug, fnRef);
  if (detail.isPending) {
    return (
      <div className="fn-screen" aria-busy="true">
        <span className="skeleton skeleton-title" />
        <div className="fn-main">
          <span className="skeleton" style={{ height: 460 }} />
          <span className="skeleton" style={{ height: 300 }} />
        </div>
      </div>
    );
  }
  if (detail.isError) {
    return (
      <Notice tone="error" title="The function could not be loaded">
        {errorMessage(detail.error)}{" "}
        <Link href={paths.functions(project.slug)}>Back to the functions</Link> ·{" "}
        <button type="button" className="link-button" onClick={() => void detail.refetch()}>
          Try again
        </button>
      </Notice>
    );
  }
  return <Loaded key={detail.data.id} project={project} fn={detail.data} fnRef={fnRef} />;
}

function Loaded({ project, fn, fnRef }: { project: Project; fn: FunctionDetail; fnRef: string }) {
  const editor = canEdit(project);
  const queryClient = useQueryClient();
  const toast = useToast();
  const search = new URLSearchParams(useSearch());
  const [location, navigate] = useLocation();
  const tabs: readonly string[] = editor ? EDITOR_TABS : MEMBER_TABS;
  const tab = tabs.includes(search.get("tab") ?? "") ? (search.get("tab") as string) : tabs[0];
  const setTab = (next: string) => {
    const params = new URLSearchParams(search);
    params.set("tab", next);
    navigate(`${location}?${params}`, { replace: true });
  };
  const control = useRef<EditorControl | null>(null);
  const [saved, setSaved] = useState(fn.code ?? "");
  const [text, setText] = useState(fn.code ?? "");
  const [loadError, setLoadError] = useState<LoadError | null>(fn.load_error ?? null);
  const dirty = text !== saved;
  useLeaveGuard(dirty);
  const secrets = useSecrets(project.slug, fn.slug, editor);
  const secretNames = useMemo(() => (secrets.data ?? []).map((s) => s.name), [secrets.data]);
  const problems = useMemo(() => problemOf(loadError), [loadError]);
  // Members see the deployed code: its state is theirs, not the draft's.
  const state = functionState(
    !editor && fn.deployed_version != null
      ? { ...fn, status: "deployed", head_version: fn.deployed_version }
      : fn,
  );

  const refresh = async (next: FunctionDetail | null) => {
    if (next) queryClient.setQueryData(keys.fn(project.slug, fnRef), next);
    await invalidateFunctions(project.slug);
  };

  const save = useMutation({
    mutationFn: (code: string) =>
      unwrap(
        api.PUT("/api/v1/projects/{p}/functions/{f}/code", {
          params: { path: { p: project.slug, f: fn.id } },
          body: { code },
        }),
      ),
    onSuccess: async (result, code) => {
      setSaved(code);
      setLoadError(result.load_error ?? null);
      toast({
        ...(result.load_error
          ? { tone: "error", text: `Saved v${result.head_version}; it does not load — see Problems` }
          : { tone: "ok", text: `Saved v${result.head_version}` }),
        topic: "save",
      });
      await refresh(result);
    },
    onError: (error) => toast({ tone: "error", text: errorMessage(error), topic: "save" }),
  });

  const deploy = useMutation({
    mutationFn: async () => {
      if (dirty) await save.mutateAsync(text);
      return unwrap(
        api.POST("/api/v1/projects/{p}/functions/{f}/deploy", {
          params: { path: { p: project.slug, f: fn.id } },
        }),
      );
    },
    onSuccess: async (result) => {
      setLoadError(result.error ?? null);
      toast({
        ...(result.error
          ? { tone: "error", text: `v${result.version} was not deployed: it does not load` }
          : { tone: "ok", text: `Deployed v${result.version}` }),
        topic: "deploy",
      });
      await queryClient.invalidateQueries({ queryKey: keys.fn(project.slug, fnRef) });
      await invalidateFunctions(project.slug);
    },
    onError: (error) => toast({ tone: "error", text: errorMessage(error), topic: "deploy" }),
  });

  const onSave = () => {
    if (editor && !save.isPending) save.mutate(control.current?.text() ?? text);
  };
  useSaveShortcut(onSave);

  return (
    <div className="fn-screen">
      <div className="fn-bar">
        <h1 className="page-title" title={fn.name}>
          {fn.name}
        </h1>
        <span className="muted mono small">{fn.slug}</span>
        <span className={`badge badge-${state.tone}`} title={state.title}>
          {state.label}
        </span>
        <span className="small muted">
          {editor ? `v${fn.head_version}` : ""}
          {fn.deployed_version != null ? ` · v${fn.deployed_version} deployed` : " · not deployed"}
        </span>
        {dirty ? <span className="badge badge-changed">Unsaved</span> : null}
        {editor ? (
          <div className="fn-actions">
            <button
              type="button"
              className="button"
              onClick={onSave}
              disabled={save.isPending || !dirty}
              title="Save the code as a new version (Ctrl/Cmd-S)"
            >
              {save.isPending ? "Saving…" : "Save"}
            </button>
            <button
              type="button"
              className="button button-primary"
              onClick={() => deploy.mutate()}
              disabled={deploy.isPending}
              title="Save if needed, then serve this version"
            >
              {deploy.isPending ? "Deploying…" : "Deploy"}
            </button>
          </div>
        ) : null}
      </div>
      {!editor ? (
        <p className="small muted">
          You are a member of this project: you see the deployed code and the call history. Owners
          and admins edit, test and deploy.
        </p>
      ) : null}
      <div className="fn-main">
        <div className="fn-code">
          {fn.code == null ? (
            <Notice tone="info" title="Nothing deployed yet">
              Members see a function's code once an owner or admin deploys it.
            </Notice>
          ) : (
            <FunctionEditor
              initialText={fn.code}
              problems={problems}
              readOnly={!editor}
              secrets={secretNames}
              onChange={setText}
              onSave={onSave}
              control={control}
            />
          )}
          {editor ? (
            <ProblemsPanel
              problems={problems}
              compiling={save.isPending || deploy.isPending}
              onPick={(p) => control.current?.goTo(p.line, p.column)}
            />
          ) : null}
        </div>
        <section className="fn-side" aria-label="Function tools">
          <div className="fn-tabs" role="tablist" aria-label="Function tools">
            {tabs.map((name) => (
              <button
                key={name}
                type="button"
                role="tab"
                id={`fn-tab-${name}`}
                aria-selected={tab === name}
                aria-controls={`fn-panel-${name}`}
                className="fn-tab"
                onClick={() => setTab(name)}
              >
                {TAB_LABEL[name]}
              </button>
            ))}
          </div>
          <div role="tabpanel" id={`fn-panel-${tab}`} aria-labelledby={`fn-tab-${tab}`} className="fn-panel">
            {tab === "test" ? (
              <TestPanel
                project={project}
                fn={fn}
                beforeRun={async () => {
                  if (dirty) await save.mutateAsync(control.current?.text() ?? text);
                }}
              />
            ) : null}
            {tab === "history" ? <HistoryPanel project={project} fn={fn} /> : null}
            {tab === "secrets" ? <SecretsPanel project={project} fn={fn} secrets={secrets} /> : null}
            {tab === "settings" ? <SettingsPanel project={project} fn={fn} fnRef={fnRef} /> : null}
          </div>
        </section>
      </div>
    </div>
  );
}
