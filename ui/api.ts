/**
 * The app's typed client for Quire's REST API (`/api/v1`, described by
 * `/api/v1/openapi.json`). The session is an HttpOnly cookie; the CSRF token that goes with it
 * is sent on every write. The token is kept in localStorage, not sessionStorage: it belongs to
 * the cookie, which every tab shares, so a dashboard opened in a new tab can make its calls,
 * and signing in again in one tab (which rotates the session) updates all of them.
 */

export interface User {
  id: string;
  email: string;
  name: string;
}

export type Role = "owner" | "admin" | "member";

export interface Project {
  id: string;
  slug: string;
  name: string;
  role: Role;
}

export interface Me {
  user: User;
  projects: Project[];
}

export interface Page {
  id: string;
  slug: string;
  name: string;
  description?: string | null;
  status: "draft" | "published";
  published_version?: number | { id: string; number: number } | null;
  head_version?: number | { id: string; number: number } | null;
  updated_at?: string;
}

/** An API error: the HTTP status and the API's `{error:{code,message}}`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

const CSRF_KEY = "quire.csrf";
/** Fired on `window` when the server says the session is over (any 401). */
export const SIGNED_OUT_EVENT = "quire:signed-out";

export function csrfToken(): string | null {
  try {
    return localStorage.getItem(CSRF_KEY);
  } catch {
    return null;
  }
}

function setCsrfToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(CSRF_KEY, token);
    else localStorage.removeItem(CSRF_KEY);
  } catch {
    // storage disabled: the app asks the viewer to sign in again
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const csrf = csrfToken();
  if (method !== "GET" && csrf) headers["x-csrf-token"] = csrf;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(
      0,
      "network",
      "Quire cannot be reached. Check your connection and try again.",
    );
  }
  if (!response.ok) {
    let code = `http_${response.status}`;
    let message = `The server answered ${response.status}.`;
    try {
      const data = (await response.json()) as { error?: { code?: string; message?: string } };
      if (data.error?.code) code = data.error.code;
      if (data.error?.message) message = data.error.message;
    } catch {
      // not JSON: keep the status
    }
    if (response.status === 401 && path !== "/auth/login") {
      setCsrfToken(null);
      window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
    }
    throw new ApiError(response.status, code, message);
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

const seg = encodeURIComponent;

export async function login(email: string, password: string): Promise<User> {
  const body = await request<{ user: User; csrf_token: string }>("POST", "/auth/login", {
    email,
    password,
  });
  setCsrfToken(body.csrf_token);
  return body.user;
}

export async function logout(): Promise<void> {
  try {
    await request<void>("POST", "/auth/logout", {});
  } finally {
    setCsrfToken(null);
  }
}

/** Who is signed in. A server that also returns the session's `csrf_token` refreshes ours. */
export async function me(): Promise<Me> {
  const body = await request<Me & { csrf_token?: string }>("GET", "/me");
  if (typeof body.csrf_token === "string" && body.csrf_token !== "") setCsrfToken(body.csrf_token);
  return body;
}

export async function listPages(project: string): Promise<Page[]> {
  const body = await request<Page[] | { pages: Page[] }>("GET", `/projects/${seg(project)}/pages`);
  return Array.isArray(body) ? body : body.pages;
}

export function getPage(project: string, page: string): Promise<Page> {
  return request<Page>("GET", `/projects/${seg(project)}/pages/${seg(page)}`);
}

/** The number of a version field, whichever shape the API gives it. */
export function versionNumber(version: Page["published_version"]): number | null {
  if (version === null || version === undefined) return null;
  return typeof version === "number" ? version : version.number;
}
