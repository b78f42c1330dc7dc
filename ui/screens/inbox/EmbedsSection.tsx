/**
 * The WhatsApp setup's "Embedded inboxes" (owners and admins): the inbox shown inside the
 * team's own tools, for the whole project or one number. Making one shows its embed code
 * once (the token is not kept); each can be changed (name, sites, theme, expiry) or revoked,
 * which ends it at once wherever it is shown.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { api, errorMessage, unwrap, type Connection, type CreatedEmbed, type Embed } from "../../api/client";
import { keys, useEmbeds } from "../../api/queries";
import { CopyField } from "../../components/CopyField";
import { Confirm, Dialog, FormButtons } from "../../components/Dialog";
import { FormError, LoadError } from "../../components/LoadError";
import { RelativeTime } from "../../components/RelativeTime";
import { RowsSkeleton } from "../../components/RowsSkeleton";
import { useToast } from "../../components/Toasts";
import { formatPhone } from "./format";

type Theme = "system" | "light" | "dark";

export function EmbedsSection({ project, connections }: { project: string; connections: Connection[] }) {
  const embeds = useEmbeds(project);
  const [making, setMaking] = useState(false);
  const [editing, setEditing] = useState<Embed | null>(null);
  const [revoking, setRevoking] = useState<Embed | null>(null);
  const [made, setMade] = useState<CreatedEmbed | null>(null);
  const client = useQueryClient();
  const toast = useToast();
  const revoke = useMutation({
    mutationFn: (embed: Embed) =>
      unwrap(
        api.DELETE("/api/v1/projects/{p}/inbox-embeds/{e}", { params: { path: { p: project, e: embed.id } } }),
      ),
    onSuccess: async (embed) => {
      setRevoking(null);
      toast({ tone: "ok", text: `Revoked “${embed.name}”` });
      await client.invalidateQueries({ queryKey: keys.embeds(project) });
    },
    onError: (error) => toast({ tone: "error", text: errorMessage(error) }),
  });
  const numberName = (id: string | null | undefined) => {
    if (id == null) return "Every number";
    const connection = connections.find((c) => c.phone_number_id === id);
    if (!connection) return `Number ${id}`;
    return connection.display_phone_number
      ? `${connection.name} · ${formatPhone(connection.display_phone_number)}`
      : connection.name;
  };
  const list = embeds.data?.embeds ?? [];
  return (
    <section className="setup-embeds" aria-labelledby="embeds-title">
      <div className="section-head">
        <h2 id="embeds-title" className="section-title">
          Embedded inboxes
        </h2>
        {list.length > 0 ? (
          <button type="button" className="button" onClick={() => setMaking(true)}>
            New embed
          </button>
        ) : null}
      </div>
      <p className="muted setup-intro">
        Show this inbox inside your own tools (a help desk, a CRM): a frame with the conversations,
        replies and the inbox’s published page, for people without a Quire account. Only the sites
        you name may show it.
      </p>
      {embeds.isPending ? <RowsSkeleton rows={1} /> : null}
      {embeds.isError ? (
        <LoadError title="The embedded inboxes could not be loaded" error={embeds.error} retry={() => void embeds.refetch()} />
      ) : null}
      {embeds.isSuccess && list.length === 0 ? (
        <div className="empty empty-small">
          <p className="muted">No embedded inbox yet.</p>
          <button type="button" className="button" onClick={() => setMaking(true)}>
            Embed the inbox in another site
          </button>
        </div>
      ) : null}
      {list.length > 0 ? (
        <ul className="embed-list">
          {list.map((embed) => (
            <li key={embed.id} className={`card embed-row embed-${embed.status}`}>
              <div className="embed-main">
                <div className="embed-title">
                  <strong>{embed.name}</strong>
                  <span className={`badge ${embed.status === "active" ? "badge-published" : "badge-draft"}`}>
                    {embed.status === "active" ? "Active" : embed.status === "expired" ? "Expired" : "Revoked"}
                  </span>
                </div>
                <p className="small muted">
                  {numberName(embed.phone_number_id)} · {embed.allowed_origins.join(", ")}
                </p>
                <p className="small muted">
                  <span className="mono">{embed.token_hint}</span> ·{" "}
                  {embed.last_used_at ? (
                    <>
                      used <RelativeTime at={embed.last_used_at} />
                    </>
                  ) : (
                    "never used"
                  )}
                  {embed.expires_at && embed.status === "active" ? (
                    <>
                      {" "}
                      · expires <RelativeTime at={embed.expires_at} />
                    </>
                  ) : null}
                </p>
              </div>
              {embed.status !== "revoked" ? (
                <div className="embed-actions">
                  <button type="button" className="button button-small" onClick={() => setEditing(embed)}>
                    Change
                  </button>
                  <button
                    type="button"
                    className="button button-quiet button-small setup-delete"
                    aria-label={`Revoke ${embed.name}`}
                    onClick={() => setRevoking(embed)}
                  >
                    Revoke
                  </button>
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      <EmbedDialog
        project={project}
        connections={connections}
        open={making || editing !== null}
        embed={editing}
        onMade={setMade}
        onClose={() => {
          setMaking(false);
          setEditing(null);
        }}
      />
      <Dialog open={made !== null} title="Your embed code" onClose={() => setMade(null)} wide>
        {made ? <EmbedCode made={made} /> : null}
      </Dialog>
      <Confirm
        open={revoking !== null}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        confirm="Revoke"
        danger
        busy={revoke.isPending}
        onConfirm={() => revoking && revoke.mutate(revoking)}
        onClose={() => setRevoking(null)}
      >
        <p>
          Wherever it is shown, the inbox stops working at once and says so. This cannot be undone:
          to show the inbox there again, make a new embed and replace the code.
        </p>
      </Confirm>
    </section>
  );
}

/** The embed code of a new embed, shown once. */
function EmbedCode({ made }: { made: CreatedEmbed }) {
  const snippet = `<iframe src="${made.url}" title="${made.embed.name.replace(/"/g, "&quot;")}" style="width:100%;height:640px;border:0"></iframe>`;
  return (
    <div className="form">
      <p>
        Paste this into a page of {made.embed.allowed_origins.join(" or ")}. It works only there, and
        this is the only time Quire shows it: copy it now.
      </p>
      <CopyField label="Embed code" value={snippet} />
      <CopyField label="Embed URL" value={made.url} note="Anyone with this URL on an allowed site sees the inbox: keep it like a password." />
    </div>
  );
}

/** Makes an embed (`embed` null) or changes one: name, sites, theme and expiry. */
function EmbedDialog({
  project,
  connections,
  open,
  embed,
  onMade,
  onClose,
}: {
  project: string;
  connections: Connection[];
  open: boolean;
  embed: Embed | null;
  onMade: (made: CreatedEmbed) => void;
  onClose: () => void;
}) {
  const client = useQueryClient();
  const toast = useToast();
  const making = embed === null;
  const [name, setName] = useState("");
  const [scope, setScope] = useState("");
  const [origins, setOrigins] = useState("");
  const [theme, setTheme] = useState<Theme>("system");
  const [days, setDays] = useState("");
  const [shownFor, setShownFor] = useState<string | null | undefined>(undefined);
  const formId = useId();
  const key = open ? (embed?.id ?? null) : undefined;
  if (key !== shownFor) {
    setShownFor(key);
    setName(embed?.name ?? "");
    setScope(embed?.phone_number_id ?? "");
    setOrigins(embed?.allowed_origins.join("\n") ?? "");
    setTheme((embed?.theme as Theme | undefined) ?? "system");
    setDays("");
  }
  const originList = origins
    .split(/[\s,]+/)
    .map((origin) => origin.trim())
    .filter(Boolean);
  const expiresInDays = days.trim() === "" ? null : Number(days);
  const save = useMutation({
    mutationFn: async () => {
      if (embed === null) {
        const made = await unwrap(
          api.POST("/api/v1/projects/{p}/inbox-embeds", {
            params: { path: { p: project } },
            body: {
              name: name.trim(),
              phone_number_id: scope || undefined,
              allowed_origins: originList,
              theme,
              expires_in_days: expiresInDays ?? undefined,
            },
          }),
        );
        return { made, name: made.embed.name };
      }
      const saved = await unwrap(
        api.PATCH("/api/v1/projects/{p}/inbox-embeds/{e}", {
          params: { path: { p: project, e: embed.id } },
          body: {
            name: name.trim() !== embed.name ? name.trim() : undefined,
            allowed_origins: originList,
            theme,
            ...(days.trim() === "" ? {} : { expires_in_days: expiresInDays }),
          },
        }),
      );
      return { made: null, name: saved.name };
    },
    onSuccess: async ({ made, name: savedName }) => {
      await client.invalidateQueries({ queryKey: keys.embeds(project) });
      close();
      if (made) onMade(made);
      else toast({ tone: "ok", text: `Saved “${savedName}”` });
    },
  });
  const close = () => {
    save.reset();
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <Dialog
      open={open}
      title={making ? "Embed the inbox in another site" : `Change “${embed?.name ?? ""}”`}
      onClose={close}
      footer={
        <FormButtons
          form={formId}
          label={making ? "Make the embed" : "Save"}
          busyLabel={making ? "Making…" : "Saving…"}
          busy={save.isPending}
          onCancel={close}
        />
      }
    >
      <form id={formId} className="form" onSubmit={submit}>
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} placeholder="Help desk" />
        </label>
        <label className="field">
          <span>Conversations</span>
          <select value={scope} onChange={(e) => setScope(e.target.value)} disabled={!making}>
            <option value="">Every number of the project</option>
            {connections.map((connection) => (
              <option key={connection.id} value={connection.phone_number_id}>
                Only {connection.name}
                {connection.display_phone_number ? ` · ${formatPhone(connection.display_phone_number)}` : ""}
              </option>
            ))}
          </select>
          {!making ? <small className="muted">An embed keeps its conversations; make another for other numbers.</small> : null}
        </label>
        <label className="field">
          <span>Sites that may show it</span>
          <textarea
            className="mono"
            rows={3}
            value={origins}
            onChange={(e) => setOrigins(e.target.value)}
            required
            placeholder={"https://support.example.com\nhttps://*.example.com"}
          />
          <small className="muted">
            One origin a line: scheme, host and port, no path. <code>*.</code> stands for any subdomain.
          </small>
        </label>
        <fieldset className="field">
          <legend>Theme</legend>
          <div className="segmented" role="radiogroup" aria-label="Theme">
            {(["system", "light", "dark"] as const).map((choice) => (
              <button
                key={choice}
                type="button"
                role="radio"
                aria-checked={theme === choice}
                aria-pressed={theme === choice}
                onClick={() => setTheme(choice)}
              >
                {choice === "system" ? "Viewer’s system" : choice === "light" ? "Light" : "Dark"}
              </button>
            ))}
          </div>
        </fieldset>
        <label className="field">
          <span>{making ? "Expires after (days, optional)" : "Expires after (days from now; empty keeps it)"}</span>
          <input
            type="number"
            min={1}
            max={3650}
            value={days}
            onChange={(e) => setDays(e.target.value)}
            placeholder={making ? "Never" : embed?.expires_at ? "Unchanged" : "Never"}
          />
        </label>
        <FormError error={save.error} />
      </form>
    </Dialog>
  );
}
