/**
 * `/p/{project}/settings/whatsapp` (owners and admins): the project's WhatsApp numbers. For
 * each, what to enter in Meta's webhook setup (the callback URL and verify token, with copy
 * buttons), whether it can reply, when the last delivery came, a test event that goes through
 * the real webhook path and links to its conversation, replacing its secrets, and deleting it.
 * Below them, the inbox's embeds in other sites (EmbedsSection.tsx).
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { Link } from "wouter";
import { api, canEdit, errorMessage, unwrap, type Connection, type Project } from "../../api/client";
import { keys, useConnections } from "../../api/queries";
import { CopyField } from "../../components/CopyField";
import { Confirm, Dialog, FormButtons } from "../../components/Dialog";
import { FormError, LoadError } from "../../components/LoadError";
import { Notice } from "../../components/Notice";
import { RelativeTime } from "../../components/RelativeTime";
import { RowsSkeleton } from "../../components/RowsSkeleton";
import { useToast } from "../../components/Toasts";
import { paths } from "../../paths";
import { EmbedsSection } from "./EmbedsSection";
import { formatPhone } from "./format";
import "./inbox.css";

export function WhatsappSetup({ project }: { project: Project }) {
  const slug = project.slug;
  const editor = canEdit(project);
  const connections = useConnections(slug, editor);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Connection | null>(null);
  const [deleting, setDeleting] = useState<Connection | null>(null);
  const client = useQueryClient();
  const toast = useToast();
  const refresh = () => client.invalidateQueries({ queryKey: keys.connections(slug) });
  const remove = useMutation({
    mutationFn: (connection: Connection) =>
      unwrap(
        api.DELETE("/api/v1/projects/{p}/whatsapp/connections/{c}", {
          params: { path: { p: slug, c: connection.id } },
        }),
      ),
    onSuccess: async (_, connection) => {
      setDeleting(null);
      toast({ tone: "ok", text: `Disconnected “${connection.name}”` });
      await refresh();
    },
    onError: (error) => toast({ tone: "error", text: errorMessage(error) }),
  });

  if (!editor) {
    return (
      <Notice tone="info" title="Only owners and admins set up WhatsApp">
        The project’s numbers and their secrets are managed by its owners and admins. You can read
        and answer conversations in the <Link href={paths.inbox(slug)}>inbox</Link>.
      </Notice>
    );
  }
  const list = connections.data?.connections ?? [];
  return (
    <section className="setup" aria-labelledby="setup-title">
      <div className="section-head">
        <h1 id="setup-title" className="page-title">
          {project.name} <span className="muted">· WhatsApp</span>
        </h1>
        {list.length > 0 ? (
          <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
            Add a number
          </button>
        ) : null}
      </div>
      <p className="muted setup-intro">
        Connect the WhatsApp Business numbers of a Meta app: their conversations arrive in the{" "}
        <Link href={paths.inbox(slug)}>inbox</Link> and the team replies from there. For each number, Meta’s
        App Dashboard needs the callback URL and verify token shown here (WhatsApp → Configuration),
        subscribed to the <code>messages</code> field.
      </p>
      {connections.isPending ? <RowsSkeleton rows={2} /> : null}
      {connections.isError ? (
        <LoadError title="The connections could not be loaded" error={connections.error} retry={() => void connections.refetch()} />
      ) : null}
      {connections.isSuccess && list.length === 0 ? (
        <div className="empty">
          <h2 className="empty-title">No WhatsApp number connected</h2>
          <p className="muted">
            You need the number’s phone number id (WhatsApp → API Setup in Meta’s App Dashboard),
            the app secret (App settings → Basic), and, to reply, an access token of a system user.
          </p>
          <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
            Connect a number
          </button>
        </div>
      ) : null}
      <div className="setup-list">
        {list.map((connection) => (
          <ConnectionCard
            key={connection.id}
            project={slug}
            connection={connection}
            onEdit={() => setEditing(connection)}
            onDelete={() => setDeleting(connection)}
          />
        ))}
      </div>
      {connections.isSuccess ? <EmbedsSection project={slug} connections={list} /> : null}
      <ConnectionDialog project={slug} open={adding} connection={null} onClose={() => setAdding(false)} />
      <ConnectionDialog project={slug} open={editing !== null} connection={editing} onClose={() => setEditing(null)} />
      <Confirm
        open={deleting !== null}
        title={`Disconnect “${deleting?.name ?? ""}”?`}
        confirm="Disconnect"
        danger
        busy={remove.isPending}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
      >
        <p>
          Quire forgets this number’s app secret and access token and stops accepting its
          deliveries: new messages to it are no longer received. Its conversations stay in the
          inbox, but replies from them fail until the number is connected again.
        </p>
      </Confirm>
    </section>
  );
}

function ConnectionCard({
  project,
  connection,
  onEdit,
  onDelete,
}: {
  project: string;
  connection: Connection;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const client = useQueryClient();
  const test = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v1/projects/{p}/whatsapp/connections/{c}/test-event", {
          params: { path: { p: project, c: connection.id } },
        }),
      ),
    onSuccess: async () => {
      await Promise.all([
        client.invalidateQueries({ queryKey: keys.inbox(project) }),
        client.invalidateQueries({ queryKey: keys.connections(project) }),
      ]);
    },
  });
  const titleId = useId();
  return (
    <article className="card setup-card" aria-labelledby={titleId}>
      <header className="setup-card-head">
        <div>
          <h2 id={titleId} className="setup-card-title">
            {connection.name}
          </h2>
          <p className="muted small setup-card-number">
            {connection.display_phone_number ? `${formatPhone(connection.display_phone_number)} · ` : ""}
            phone number id <span className="mono">{connection.phone_number_id}</span>
          </p>
        </div>
        <div className="setup-card-badges">
          {connection.has_access_token ? (
            <span className="badge badge-published" title="An access token is set: the inbox can send replies">
              Can reply
            </span>
          ) : (
            <span className="badge badge-changed" title="Without an access token, replies are refused">
              No access token
            </span>
          )}
          <span className="small muted">
            {connection.last_delivery_at ? (
              <>
                Last delivery <RelativeTime at={connection.last_delivery_at} />
              </>
            ) : (
              "No delivery yet"
            )}
          </span>
        </div>
      </header>
      <div className="setup-card-fields">
        <CopyField label="Callback URL" value={connection.webhook_url} />
        <CopyField label="Verify token" value={connection.verify_token} />
      </div>
      {!connection.has_access_token ? (
        <p className="setup-warning small">
          Messages arrive, but the team cannot reply until you add an access token (Replace secrets).
        </p>
      ) : null}
      <div className="setup-card-actions">
        <button type="button" className="button button-small" disabled={test.isPending} onClick={() => test.mutate()}>
          {test.isPending ? "Sending…" : "Send a test event"}
        </button>
        <button type="button" className="button button-small" onClick={onEdit}>
          Replace secrets
        </button>
        <button
          type="button"
          className="button button-quiet button-small setup-delete"
          aria-label={`Disconnect ${connection.name}`}
          onClick={onDelete}
        >
          Disconnect
        </button>
      </div>
      <div role="status" className="setup-result">
        {test.isSuccess ? (
          <p className="setup-ok small">
            ✓ A signed test delivery went through the webhook and was stored: a message from “Quire
            test”. <Link href={paths.inbox(project, test.data.conversation_id)}>Open the conversation</Link>
          </p>
        ) : null}
        {test.isError ? (
          <p className="form-error small">The test event failed: {errorMessage(test.error)}</p>
        ) : null}
      </div>
    </article>
  );
}

/** Adds a number (`connection` null) or changes one: its name, number and secrets. */
function ConnectionDialog({
  project,
  open,
  connection,
  onClose,
}: {
  project: string;
  open: boolean;
  connection: Connection | null;
  onClose: () => void;
}) {
  const client = useQueryClient();
  const toast = useToast();
  const adding = connection === null;
  const [name, setName] = useState("");
  const [phoneNumberId, setPhoneNumberId] = useState("");
  const [display, setDisplay] = useState("");
  const [appSecret, setAppSecret] = useState("");
  const [accessToken, setAccessToken] = useState("");
  const [shownFor, setShownFor] = useState<string | null | undefined>(undefined);
  const formId = useId();
  // The form starts from the connection it is opened for.
  const key = open ? (connection?.id ?? null) : undefined;
  if (key !== shownFor) {
    setShownFor(key);
    setName(connection?.name ?? "");
    setPhoneNumberId(connection?.phone_number_id ?? "");
    setDisplay(connection?.display_phone_number ?? "");
    setAppSecret("");
    setAccessToken("");
  }
  const save = useMutation({
    mutationFn: async () => {
      if (connection === null) {
        return unwrap(
          api.POST("/api/v1/projects/{p}/whatsapp/connections", {
            params: { path: { p: project } },
            body: {
              name: name.trim(),
              phone_number_id: phoneNumberId.trim(),
              display_phone_number: display.trim() || undefined,
              app_secret: appSecret.trim(),
              access_token: accessToken.trim() || undefined,
            },
          }),
        );
      }
      return unwrap(
        api.PATCH("/api/v1/projects/{p}/whatsapp/connections/{c}", {
          params: { path: { p: project, c: connection.id } },
          body: {
            name: name.trim() !== connection.name ? name.trim() : undefined,
            display_phone_number:
              display.trim() !== (connection.display_phone_number ?? "") ? display.trim() : undefined,
            app_secret: appSecret.trim() || undefined,
            access_token: accessToken.trim() || undefined,
          },
        }),
      );
    },
    onSuccess: async (saved) => {
      await client.invalidateQueries({ queryKey: keys.connections(project) });
      toast({ tone: "ok", text: adding ? `Connected “${saved.name}”` : `Saved “${saved.name}”` });
      close();
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
      title={adding ? "Connect a WhatsApp number" : `Change “${connection?.name ?? ""}”`}
      onClose={close}
      footer={
        <FormButtons
          form={formId}
          label={adding ? "Connect" : "Save"}
          busyLabel={adding ? "Connecting…" : "Saving…"}
          busy={save.isPending}
          onCancel={close}
        />
      }
    >
      <form id={formId} className="form" onSubmit={submit}>
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} placeholder="Support line" />
        </label>
        <label className="field">
          <span>Phone number id</span>
          <input
            className="mono"
            value={phoneNumberId}
            onChange={(e) => setPhoneNumberId(e.target.value)}
            required={adding}
            readOnly={!adding}
            inputMode="numeric"
            placeholder="106540352242922"
          />
          <small className="muted">
            {adding
              ? "Meta’s id of the number (WhatsApp → API Setup), not the number itself."
              : "A connection keeps its number; to use another, add a new connection."}
          </small>
        </label>
        <label className="field">
          <span>Display number (optional)</span>
          <input value={display} onChange={(e) => setDisplay(e.target.value)} inputMode="tel" placeholder="+1 555 078 3881" />
        </label>
        <label className="field">
          <span>App secret{adding ? "" : " (leave empty to keep the current one)"}</span>
          <input
            type="password"
            autoComplete="off"
            value={appSecret}
            onChange={(e) => setAppSecret(e.target.value)}
            required={adding}
          />
          <small className="muted">App settings → Basic. Quire checks every delivery’s signature with it.</small>
        </label>
        <label className="field">
          <span>Access token{adding ? " (optional)" : " (leave empty to keep the current one)"}</span>
          <input
            type="password"
            autoComplete="off"
            value={accessToken}
            onChange={(e) => setAccessToken(e.target.value)}
          />
          <small className="muted">
            A system user’s token with <code>whatsapp_business_messaging</code>: without one, the
            inbox receives messages but cannot reply. Both secrets are stored encrypted and never
            shown again.
          </small>
        </label>
        <FormError error={save.error} />
      </form>
    </Dialog>
  );
}
