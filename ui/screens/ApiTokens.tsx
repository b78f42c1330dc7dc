/** The account's API tokens: name, reach, last use; create one (shown once) or revoke one. */
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api, canEdit, errorMessage, unwrap, type ApiToken, type Project } from "../api/client";
import { keys, queryClient, useTokens } from "../api/queries";
import { Confirm } from "../components/Dialog";
import { RelativeTime } from "../components/RelativeTime";
import { RowsSkeleton } from "../components/RowsSkeleton";
import { useToast } from "../components/Toasts";
import { NewTokenDialog } from "./NewTokenDialog";
import { LoadError } from "../components/LoadError";

export function ApiTokens({ projects }: { projects: Project[] }) {
  const tokens = useTokens();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const toast = useToast();
  const mayCreate = projects.some(canEdit);
  const revoke = useMutation({
    mutationFn: (token: ApiToken) =>
      unwrap(api.DELETE("/api/v1/tokens/{id}", { params: { path: { id: token.id } } })),
    onSuccess: async (_, token) => {
      setRevoking(null);
      toast({ tone: "ok", text: `Revoked “${token.name}”` });
      await queryClient.invalidateQueries({ queryKey: keys.tokens });
    },
    onError: (error) => {
      setRevoking(null);
      toast({ tone: "error", text: errorMessage(error) });
    },
  });
  const projectName = (id: string | null | undefined) =>
    id ? (projects.find((p) => p.id === id)?.name ?? "a project you left") : "All projects";

  return (
    <section aria-labelledby="tokens-title" className="subsection">
      <div className="section-head">
        <h2 id="tokens-title" className="section-title">
          API tokens
        </h2>
        {mayCreate ? (
          <button type="button" className="button" onClick={() => setCreating(true)}>
            New token
          </button>
        ) : null}
      </div>
      {tokens.isPending ? <RowsSkeleton rows={2} /> : null}
      {tokens.isError ? (
        <LoadError title="Your tokens could not be loaded" error={tokens.error} retry={() => void tokens.refetch()} />
      ) : null}
      {tokens.data?.length === 0 ? (
        <div className="empty empty-small">
          <p className="muted">
            {mayCreate
              ? "No tokens. A token lets a script or the CLI call Quire's API as you, in all your projects or one."
              : "API tokens are for owners and admins; you are a member in every project you belong to."}
          </p>
          {mayCreate ? (
            <button type="button" className="button" onClick={() => setCreating(true)}>
              Create a token
            </button>
          ) : null}
        </div>
      ) : null}
      {tokens.data && tokens.data.length > 0 ? (
        <ul className="page-list" aria-label="API tokens">
          {tokens.data.map((token) => (
            <li key={token.id} className="member-row">
              <div className="member-main">
                <span className="page-row-name">{token.name}</span>
                <span className="muted small mono">{token.hint}</span>
              </div>
              <span className="small muted member-since">
                {token.last_used_at ? (
                  <>
                    used <RelativeTime at={token.last_used_at} />
                  </>
                ) : (
                  "never used"
                )}
                {token.expires_at ? (
                  <>
                    {" · "}expires <RelativeTime at={token.expires_at} />
                  </>
                ) : null}
              </span>
              <span className="badge">{projectName(token.project_id)}</span>
              <div className="page-row-actions">
                <button
                  type="button"
                  className="button button-quiet button-small"
                  aria-label={`Revoke ${token.name}`}
                  onClick={() => setRevoking(token)}
                >
                  Revoke
                </button>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
      <NewTokenDialog projects={projects} open={creating} onClose={() => setCreating(false)} />
      <Confirm
        open={revoking !== null}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        confirm="Revoke token"
        danger
        busy={revoke.isPending}
        onConfirm={() => revoking && revoke.mutate(revoking)}
        onClose={() => setRevoking(null)}
      >
        <p>Whatever uses it is refused from its next call. This cannot be undone.</p>
      </Confirm>
    </section>
  );
}
