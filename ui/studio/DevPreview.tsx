/**
 * The dev preview, `/p/{project}/pages/{page}/dev`: the URL `quire dev` prints. The page fills
 * the window (mode `preview`): first its saved head version, then each build `quire dev`
 * announces as the page's file is saved, without a reload of this tab. A newer build runs in
 * the warm frame or loads hidden beside the shown one, and takes its place once its page has
 * started (see useFrameSwap). Owners and admins only, as every preview.
 */
import { useState } from "react";
import { Link } from "wouter";
import { ApiError, errorMessage, type Project, type User } from "../api/client";
import { usePage } from "../api/queries";
import { Notice } from "../components/Notice";
import { PageFrame } from "../page/PageFrame";
import { paths } from "../paths";
import { useAnnouncedPreview } from "./useAnnouncedPreview";
import { useFrameSwap } from "./useFrameSwap";
import type { PageToolProps } from "./Studio";

export function DevPreview({ project, pageRef, user, framed }: PageToolProps) {
  const page = usePage(project.slug, pageRef);
  if (page.isPending) return framed(<Notice tone="quiet" title="Opening the preview…" />);
  if (page.isError) {
    const missing = page.error instanceof ApiError && page.error.status === 404;
    return framed(
      <Notice tone="error" title={missing ? "This page does not exist" : "The page could not be opened"}>
        {missing
          ? "Save its file while `quire dev` runs and press s to create it. "
          : `${errorMessage(page.error)} `}
        <Link href={paths.project(project.slug)}>Back to {project.name}’s pages</Link>
      </Notice>
    );
  }
  if (project.role === "member") {
    return framed(
      <Notice tone="info" title="Only owners and admins see previews">
        You can <Link href={paths.dashboard(project.slug, page.data.slug)}>view “{page.data.name}”</Link> once
        it is published.
      </Notice>
    );
  }
  return <Live key={page.data.id} project={project} pageId={page.data.id} name={page.data.name} user={user} />;
}

function Live({ project, pageId, name, user }: { project: Project; pageId: string; name: string; user: User }) {
  const announced = useAnnouncedPreview(project.slug, pageId, user.id);
  // The head version (the server grants its frame) until the first announced build.
  const { slots, started, cold } = useFrameSwap(announced ?? "head");
  const [headFailed, setHeadFailed] = useState(false);
  const status = announced
    ? `Live · ${announced.time}`
    : headFailed
      ? "Waiting for quire dev: save the page’s file"
      : "Saved version · waiting for quire dev";
  const statusTitle = announced?.by ? `Built by ${announced.by}’s quire dev` : undefined;

  return (
    <div className="dashboard">
      <header className="dashboard-bar">
        <Link href={paths.studio(project.slug, pageId)} className="back" aria-label={`Open ${name} in the studio`}>
          ← Studio
        </Link>
        <h1 className="dashboard-title">{name}</h1>
        <div className="dashboard-tools">
          <span className="small muted" role="status" title={statusTitle}>
            {status}
          </span>
        </div>
      </header>
      <div className="dashboard-frame dev-preview-stage">
        {slots.map((slot) => (
          <PageFrame
            key={slot.key}
            project={project.slug}
            page={pageId}
            mode="preview"
            title={`Preview of ${name}`}
            frame={slot.frame}
            warmPage={slot.page}
            autoResize={false}
            className={slot.role === "shown" ? "dev-preview-frame" : "dev-preview-frame preview-frame-next"}
            onReady={slot.page ? undefined : () => started(slot.key)}
            onStarted={() => started(slot.key)}
            onFailed={() => {
              if (slot.key === "head") setHeadFailed(true);
              if (slot.role === "warm") cold(slot.key);
              else started(slot.key);
            }}
          />
        ))}
      </div>
    </div>
  );
}
