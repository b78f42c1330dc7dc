/**
 * Sharing a published page with people who have no account (owners and admins): the page's
 * public links, each with the functions it lets the page call, its sites, status and last
 * use, revocable at once; a new link's URL is shown once.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { api, errorMessage, unwrap, type CreatedLink, type PublicLink } from "../api/client";
import { useFunctions } from "../api/queries";
import { CopyField } from "../components/CopyField";
import { Dialog, FormButtons } from "../components/Dialog";
import { FormError, LoadError } from "../components/LoadError";
import { RelativeTime } from "../components/RelativeTime";
import { RowsSkeleton } from "../components/RowsSkeleton";
import { useToast } from "../components/Toasts";

export function ShareDialog({
  project,
  page,
  pageName,
  open,
  onClose,
}: {
  project: string;
  page: string;
  pageName: string;
  open: boolean;
  onClose: () => void;
}) {
  const key = ["projects", project, "pages", page, "public-links"] as const;
  const links = useQuery({
    queryKey: key,
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/projects/{p}/pages/{page}/public-links", { params: { path: { p: project, page } } }),
      ),
    enabled: open,
  });
  const functions = useFunctions(project);
  const client = useQueryClient();
  const toast = useToast();
  const [chosen, setChosen] = useState<string[]>([]);
  const [days, setDays] = useState("");
  const [origins, setOrigins] = useState("");
  const [made, setMade] = useState<CreatedLink | null>(null);
  const formId = useId();
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v1/projects/{p}/pages/{page}/public-links", {
          params: { path: { p: project, page } },
          body: {
            functions: chosen,
            expires_in_days: days.trim() === "" ? undefined : Number(days),
            allowed_origins: origins
              .split(/[\s,]+/)
              .map((o) => o.trim())
              .filter(Boolean),
          },
        }),
      ),
    onSuccess: async (created) => {
      setMade(created);
      setChosen([]);
      setDays("");
      setOrigins("");
      await client.invalidateQueries({ queryKey: key });
    },
  });
  const revoke = useMutation({
    mutationFn: (link: PublicLink) =>
      unwrap(
        api.DELETE("/api/v1/projects/{p}/pages/{page}/public-links/{l}", {
          params: { path: { p: project, page, l: link.id } },
        }),
      ),
    onSuccess: async () => {
      toast({ tone: "ok", text: "Link revoked: it stopped working everywhere" });
      await client.invalidateQueries({ queryKey: key });
    },
    onError: (error) => toast({ tone: "error", text: errorMessage(error) }),
  });
  const close = () => {
    setMade(null);
    create.reset();
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const list = links.data?.links ?? [];
  return (
    <Dialog
      open={open}
      title={`Share “${pageName}”`}
      onClose={close}
      wide
      footer={
        <FormButtons
          form={formId}
          label="Create a link"
          busyLabel="Creating…"
          busy={create.isPending}
          onCancel={close}
          cancelLabel={made ? "Done" : "Cancel"}
        />
      }
    >
      <p className="muted">
        A public link shows the published version to anyone who has it, without signing in. It
        keeps showing the published version as you publish new ones, and stops at once when you
        revoke it or unpublish the page.
      </p>
      {made ? (
        <div className="share-made" role="status">
          <CopyField label="The new link" value={made.url} note="Copy it now: Quire shows it only once." />
        </div>
      ) : null}
      <form id={formId} className="form" onSubmit={submit}>
        <fieldset className="field">
          <legend>Functions the page may call through the link</legend>
          {functions.isPending ? <RowsSkeleton rows={1} /> : null}
          {functions.data && functions.data.length === 0 ? (
            <p className="small muted">This project has no functions.</p>
          ) : null}
          <div className="share-functions">
            {(functions.data ?? []).map((fn) => (
              <label key={fn.id} className="check">
                <input
                  type="checkbox"
                  checked={chosen.includes(fn.slug)}
                  onChange={(e) =>
                    setChosen((all) => (e.target.checked ? [...all, fn.slug] : all.filter((s) => s !== fn.slug)))
                  }
                />
                <span>
                  {fn.name} <span className="mono small muted">{fn.slug}</span>
                </span>
              </label>
            ))}
          </div>
          <small className="muted">Every other call from the page is refused. Visitors call without credentials, rate limited.</small>
        </fieldset>
        <label className="field">
          <span>Expires after (days, optional)</span>
          <input type="number" min={1} max={3650} value={days} onChange={(e) => setDays(e.target.value)} placeholder="Never" />
        </label>
        <label className="field">
          <span>Sites that may show it in a frame (optional)</span>
          <textarea
            className="mono"
            rows={2}
            value={origins}
            onChange={(e) => setOrigins(e.target.value)}
            placeholder="https://status.example.com"
          />
        </label>
        <FormError error={create.error} />
      </form>
      <h3 className="section-title share-links-title">Links</h3>
      {links.isPending ? <RowsSkeleton rows={1} /> : null}
      {links.isError ? <LoadError title="The links could not be loaded" error={links.error} retry={() => void links.refetch()} /> : null}
      {links.isSuccess && list.length === 0 ? <p className="small muted">No link yet.</p> : null}
      <ul className="share-links">
        {list.map((link) => (
          <li key={link.id} className={`share-link share-${link.status}`}>
            <div>
              <span className="mono small">{link.token_hint}</span>{" "}
              <span className={`badge ${link.status === "active" ? "badge-published" : "badge-draft"}`}>
                {link.status === "active" ? "Active" : link.status === "expired" ? "Expired" : "Revoked"}
              </span>
              <p className="small muted">
                {link.functions.length ? `Calls ${link.functions.join(", ")}` : "Calls no function"} · made{" "}
                <RelativeTime at={link.created_at} />
                {link.last_used_at ? (
                  <>
                    {" "}
                    · used <RelativeTime at={link.last_used_at} />
                  </>
                ) : null}
              </p>
            </div>
            {link.status === "active" ? (
              <button
                type="button"
                className="button button-quiet button-small setup-delete"
                aria-label={`Revoke ${link.token_hint}`}
                disabled={revoke.isPending}
                onClick={() => revoke.mutate(link)}
              >
                Revoke
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
