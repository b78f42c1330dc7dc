// Talks to Quire's API as a signed-in browser would: the session cookie plus the CSRF header.

/** Signs in through the API; returns a session whose `request` sends the cookie and CSRF token. */
export async function signIn(server, email, password) {
  const response = await fetch(`${server.app}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 200) {
    throw new Error(`sign-in as ${email} failed: ${response.status} ${await response.text()}`);
  }
  const cookie = response.headers.get("set-cookie").split(";")[0];
  const { csrf_token: csrf, user } = await response.json();
  return {
    user,
    cookie,
    csrf,
    /** `{status, body}` with the body parsed as JSON when it is JSON. */
    async request(method, path, body) {
      const headers = { cookie, "x-csrf-token": csrf };
      if (body !== undefined) headers["content-type"] = "application/json";
      const res = await fetch(`${server.app}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, body: parsed };
    },
    /** Like `request`, but throws unless the status is 2xx. */
    async ok(method, path, body) {
      const res = await this.request(method, path, body);
      if (res.status < 200 || res.status > 299) {
        throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
      }
      return res.body;
    },
  };
}
