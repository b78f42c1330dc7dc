/**
 * The app's screens by URL. The server answers each of these paths with the app (see
 * crates/quire-server/src/ui/mod.rs); the URL is the state, so every screen can be linked.
 */
const seg = encodeURIComponent;

export const paths = {
  projects: () => "/",
  project: (project: string) => `/p/${seg(project)}`,
  dashboard: (project: string, page: string) => `/p/${seg(project)}/pages/${seg(page)}`,
  studio: (project: string, page: string) => `/p/${seg(project)}/pages/${seg(page)}/edit`,
  /** The full-window preview that follows `quire dev` (the CLI prints it). */
  devPreview: (project: string, page: string) => `/p/${seg(project)}/pages/${seg(page)}/dev`,
  functions: (project: string) => `/p/${seg(project)}/functions`,
  fn: (project: string, fn: string) => `/p/${seg(project)}/functions/${seg(fn)}`,
  members: (project: string) => `/p/${seg(project)}/members`,
  audit: (project: string) => `/p/${seg(project)}/audit`,
  inbox: (project: string, conversation?: string) =>
    conversation === undefined
      ? `/p/${seg(project)}/inbox`
      : `/p/${seg(project)}/inbox/${seg(conversation)}`,
  whatsappSetup: (project: string) => `/p/${seg(project)}/settings/whatsapp`,
  account: () => "/account",
  invitation: (token: string) => `/invite/${seg(token)}`,
  login: (next: string) => (next === "/" ? "/login" : `/login?next=${seg(next)}`),
};

/** A `next` parameter that is a path of this app: never an absolute or protocol-relative URL. */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}
