/**
 * The project's assets: images, fonts and data files its pages import by name
 * (`import logo from "./logo.png"`). Drop files (or pick them) to upload; a name that exists
 * gets the new content, which pages take on their next save. Each row previews an image,
 * copies its import line, and (for owners and admins) deletes it after naming the pages that use
 * it and saying what deleting does.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type DragEvent } from "react";
import { canEdit, errorMessage, unwrap, api, uploadAsset, type Asset, type Project } from "../api/client";
import { keys, useAssets } from "../api/queries";
import { Confirm } from "../components/Dialog";
import { Drawer } from "../components/Drawer";
import { RowsSkeleton } from "../components/RowsSkeleton";
import { useToast } from "../components/Toasts";

/** `logo.png` → `logo`, `brand-font.woff2` → `brandFont`: a name an import can bind. */
export function bindingFor(name: string): string {
  const stem = name.replace(/\.[^.]*$/, "");
  const words = stem.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = words
    .map((word, i) => (i === 0 ? word.charAt(0).toLowerCase() + word.slice(1) : word.charAt(0).toUpperCase() + word.slice(1)))
    .join("");
  return /^[A-Za-z_]/.test(joined) ? joined : `asset${joined}`;
}

function importLine(asset: Asset): string {
  return `import ${bindingFor(asset.name)} from "./${asset.name}";`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes.toLocaleString()} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toLocaleString(undefined, { maximumFractionDigits: 1 })} KiB`;
  return `${(bytes / 1024 / 1024).toLocaleString(undefined, { maximumFractionDigits: 1 })} MiB`;
}

export function AssetsDrawer({ project, onClose }: { project: Project; onClose: () => void }) {
  const assets = useAssets(project.slug);
  const queryClient = useQueryClient();
  const toast = useToast();
  const inputId = useId();
  const [dragging, setDragging] = useState(false);
  const [deleting, setDeleting] = useState<Asset | null>(null);
  const editor = canEdit(project);
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.assets(project.slug) });

  const upload = useMutation({
    mutationFn: async (files: File[]) => {
      for (const file of files) await uploadAsset(project.slug, file);
      return files;
    },
    onSuccess: (files) =>
      toast({ tone: "ok", text: files.length === 1 ? `Uploaded ${files[0].name}` : `Uploaded ${files.length} files` }),
    onError: (error) => toast({ tone: "error", text: errorMessage(error) }),
    onSettled: refresh,
  });

  const remove = useMutation({
    mutationFn: (asset: Asset) =>
      unwrap(
        api.DELETE("/api/v1/projects/{p}/assets/{asset}", {
          params: { path: { p: project.slug, asset: asset.id } },
        }),
      ),
    onSuccess: (asset) => {
      setDeleting(null);
      toast({ tone: "ok", text: `Deleted ${asset.name}` });
    },
    onError: (error) => toast({ tone: "error", text: errorMessage(error) }),
    onSettled: refresh,
  });

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const files = Array.from(event.dataTransfer.files);
    if (files.length > 0) upload.mutate(files);
  };

  const copy = async (asset: Asset) => {
    try {
      await navigator.clipboard.writeText(importLine(asset));
      toast({ tone: "ok", text: "Import line copied" });
    } catch {
      toast({ tone: "error", text: `Copy it by hand: ${importLine(asset)}` });
    }
  };

  const list = assets.data?.assets ?? [];
  return (
    <Drawer title="Assets" onClose={onClose}>
      {editor ? (
        <label
          htmlFor={inputId}
          className={dragging ? "asset-drop asset-drop-active" : "asset-drop"}
          onDragOver={(event) => {
            event.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <input
            id={inputId}
            type="file"
            multiple
            className="visually-hidden"
            aria-label="Upload assets"
            onChange={(event) => {
              const files = Array.from(event.target.files ?? []);
              event.target.value = "";
              if (files.length > 0) upload.mutate(files);
            }}
          />
          <strong>{upload.isPending ? "Uploading…" : "Drop files here, or choose them"}</strong>
          <span>
            PNG, JPEG, GIF, WebP, AVIF, SVG, WOFF2, WOFF, JSON, CSV or text
            {assets.data ? `, up to ${formatBytes(assets.data.file_limit)} each` : ""}. A file with a name
            that exists replaces it.
          </span>
        </label>
      ) : null}
      {assets.isPending ? (
        <RowsSkeleton rows={3} />
      ) : assets.isError ? (
        <p role="alert">{errorMessage(assets.error)}</p>
      ) : list.length === 0 ? (
        <div className="empty empty-small">
          <p className="empty-title">No assets yet</p>
          <p>Images, fonts and data files you upload here are imported by name in a page.</p>
        </div>
      ) : (
        <>
          <ul className="asset-list" aria-label="Assets">
            {list.map((asset) => (
              <li key={asset.id} className="asset">
                <div className="asset-preview" aria-hidden="true">
                  {asset.content_type.startsWith("image/") ? (
                    <img src={asset.url} alt="" loading="lazy" />
                  ) : (
                    <span>{asset.name.split(".").pop()?.toUpperCase()}</span>
                  )}
                </div>
                <div className="asset-text">
                  <span className="asset-name">{asset.name}</span>
                  <code className="asset-import">{importLine(asset)}</code>
                  <span className="muted">
                    {formatBytes(asset.size)} · {asset.content_type.split(";")[0]}
                  </span>
                </div>
                <div className="asset-actions">
                  <button type="button" className="button button-quiet" onClick={() => copy(asset)}>
                    Copy import<span className="visually-hidden"> of {asset.name}</span>
                  </button>
                  {editor ? (
                    <button type="button" className="button button-quiet" onClick={() => setDeleting(asset)}>
                      Delete<span className="visually-hidden"> {asset.name}</span>
                    </button>
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
          <p className="muted">
            {formatBytes(assets.data?.total_size ?? 0)} of {formatBytes(assets.data?.limit ?? 0)} used
          </p>
        </>
      )}
      <Confirm
        open={deleting !== null}
        title={`Delete ${deleting?.name ?? ""}?`}
        confirm="Delete"
        danger
        busy={remove.isPending}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting)}
      >
        {deleting?.used_by?.length ? (
          <p>
            Used by {deleting.used_by.map((page) => page.name).join(", ")}.
          </p>
        ) : null}
        <p>
          Saved versions that use it keep it, so a published page still shows it. The next save of a
          page that imports <code>./{deleting?.name}</code> fails until a file of that name is uploaded again.
        </p>
      </Confirm>
    </Drawer>
  );
}
