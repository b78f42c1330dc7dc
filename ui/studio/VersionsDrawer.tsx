/**
 * Every saved version of the page: number, author, time, whether it built and whether it is
 * served. Pick one to read its source; compare it with another version or with the editor's
 * text; publish it (a rollback, when it is older than the one served); or copy it into the
 * editor to build on it. The picked versions are in the URL (`&v=3&compare=5`).
 */
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useLocation, useSearch } from "wouter";
import { api, errorMessage, unwrap, type PageDetail, type Project } from "../api/client";
import { invalidatePages, useVersion, useVersions } from "../api/queries";
import { Confirm } from "../components/Dialog";
import { Drawer } from "../components/Drawer";
import { Notice } from "../components/Notice";
import { RelativeTime } from "../components/RelativeTime";
import { useToast } from "../components/Toasts";
import { CodeEditor } from "./CodeEditor";
import { DiffView } from "./DiffView";

/** `compare=editor` compares with the editor's unsaved text. */
const EDITOR = "editor";

export function VersionsDrawer({
  project,
  page,
  currentText,
  onClose,
  onOpenInEditor,
}: {
  project: Project;
  page: PageDetail;
  currentText: string;
  onClose: () => void;
  onOpenInEditor: (source: string) => void;
}) {
  const [location, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const versions = useVersions(project.slug, page.id);
  const list = versions.data ?? [];
  const picked = Number(params.get("v")) || list[0]?.number || null;
  const compare = params.get("compare");
  const compareNumber = compare && compare !== EDITOR ? Number(compare) : null;
  const version = useVersion(project.slug, page.id, picked);
  const other = useVersion(project.slug, page.id, compareNumber);
  const [confirming, setConfirming] = useState(false);
  const toast = useToast();

  const setParams = (next: Record<string, string | null>) => {
    const merged = new URLSearchParams(params);
    for (const [key, value] of Object.entries(next)) {
      if (value === null) merged.delete(key);
      else merged.set(key, value);
    }
    navigate(`${location}?${merged.toString()}`, { replace: true });
  };

  const publish = useMutation({
    mutationFn: (number: number) =>
      unwrap(
        api.POST("/api/v1/projects/{p}/pages/{page}/publish", {
          params: { path: { p: project.slug, page: page.id } },
          body: { version: number },
        }),
      ),
    onSuccess: async (_, number) => {
      setConfirming(false);
      toast({ tone: "ok", text: `Version ${number} is now served` });
      await Promise.all([invalidatePages(project.slug), versions.refetch()]);
    },
    onError: (error) => toast({ tone: "error", text: errorMessage(error) }),
  });

  const selected = list.find((v) => v.number === picked);
  const source = version.data?.source;
  const rightText = compare === EDITOR ? currentText : other.data?.source;

  return (
    <Drawer title="Versions" onClose={onClose}>
      <div className="versions">
        <nav className="versions-list" aria-label="Saved versions">
          {versions.isPending ? <p className="muted small">Loading versions…</p> : null}
          {versions.isError ? (
            <p className="field-error">The versions could not be loaded: {errorMessage(versions.error)}</p>
          ) : null}
          {versions.isSuccess && list.length === 0 ? (
            <p className="muted small">No version yet: saving in the editor makes version 1.</p>
          ) : null}
          <ul>
            {list.map((v) => (
              <li key={v.id}>
                <button
                  type="button"
                  className={v.number === picked ? "version version-picked" : "version"}
                  aria-current={v.number === picked}
                  onClick={() => setParams({ v: String(v.number), compare: null })}
                >
                  <span className="version-number">v{v.number}</span>
                  <span className="version-badges">
                    {v.published ? <span className="badge badge-published">Published</span> : null}
                    {v.head ? <span className="badge">Latest</span> : null}
                    {!v.build.ok ? <span className="badge badge-error">Build failed</span> : null}
                  </span>
                  <span className="version-meta small muted">
                    {v.author?.name ?? "someone"} · <RelativeTime at={v.created_at} />
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <section className="version-detail" aria-label={picked ? `Version ${picked}` : "Version"}>
          {selected ? (
            <div className="version-toolbar">
              <label className="inline-field">
                <span>Compare with</span>
                <select
                  value={compare ?? ""}
                  onChange={(e) => setParams({ compare: e.target.value || null })}
                >
                  <option value="">—</option>
                  <option value={EDITOR}>the editor’s text</option>
                  {list
                    .filter((v) => v.number !== picked)
                    .map((v) => (
                      <option key={v.id} value={String(v.number)}>
                        v{v.number}
                      </option>
                    ))}
                </select>
              </label>
              <button
                type="button"
                className="button button-small"
                disabled={source === undefined}
                onClick={() => {
                  if (source === undefined) return;
                  onOpenInEditor(source);
                  onClose();
                  toast({
                    tone: "info",
                    text: `Version ${picked}'s source is in the editor; save to make it the next version`,
                  });
                }}
              >
                Copy into editor
              </button>
              <button
                type="button"
                className="button button-primary button-small"
                disabled={selected.published || !selected.build.ok}
                title={
                  selected.published
                    ? "This version is already served"
                    : !selected.build.ok
                      ? "A version that did not build cannot be published"
                      : undefined
                }
                onClick={() => setConfirming(true)}
              >
                Publish this version
              </button>
            </div>
          ) : null}
          {version.isError ? (
            <Notice tone="error" title="This version could not be loaded">
              {errorMessage(version.error)}
            </Notice>
          ) : null}
          {source !== undefined && compare && rightText !== undefined ? (
            <DiffView
              left={source}
              right={rightText}
              leftLabel={`v${picked}`}
              rightLabel={compare === EDITOR ? "Editor" : `v${compare}`}
            />
          ) : source !== undefined ? (
            <CodeEditor
              key={picked ?? 0}
              initialText={source}
              problems={[]}
              readOnly
              label={`Source of version ${picked}`}
            />
          ) : null}
        </section>
      </div>
      <Confirm
        open={confirming}
        title={`Publish version ${picked}?`}
        confirm={`Publish v${picked}`}
        busy={publish.isPending}
        onClose={() => setConfirming(false)}
        onConfirm={() => picked && publish.mutate(picked)}
      >
        <p>
          Everyone who opens “{page.name}” gets version {picked} from now on
          {page.published_version != null ? ` instead of version ${page.published_version}` : ""}.
          You can publish another version at any time.
        </p>
      </Confirm>
    </Drawer>
  );
}
