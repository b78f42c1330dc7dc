// The content the browser tests put into Quire: the seed page (the compiler's own fixture,
// which calls the function `your-function-slug`) and a function that answers it.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./server.js";

export const SEED_PAGE = readFileSync(
  join(REPO, "crates/quire-compiler/tests/fixtures/seed-page/input.tsx"),
  "utf8",
);

export const FUNCTION_SLUG = "your-function-slug";

/** Echoes the payload with a marker, so the test sees a real round trip. */
export const ECHO_FUNCTION = `async function handler(request, env) {
  const payload = await request.json();
  return new Response(JSON.stringify({ from: "quire-function", received: payload }), {
    headers: { "content-type": "application/json" },
  });
}
`;

/** Creates `slug` from `source`, saves it (so a version builds) and, if asked, publishes it. */
export async function createPage(
  session,
  { project = "default", slug, name = slug, source = SEED_PAGE, publish = true },
) {
  await session.ok("POST", `/api/v1/projects/${project}/pages`, { name, slug });
  const saved = await session.ok("PUT", `/api/v1/projects/${project}/pages/${slug}/source`, {
    source,
  });
  if (!saved.build.ok) {
    throw new Error(`the page ${slug} did not build: ${JSON.stringify(saved.build.diagnostics)}`);
  }
  if (publish) {
    await session.ok("POST", `/api/v1/projects/${project}/pages/${slug}/publish`, {});
  }
  return saved;
}

/** Creates the function `slug` from `code` and deploys it. */
export async function deployFunction(session, { project = "default", slug, name = slug, code }) {
  await session.ok("POST", `/api/v1/projects/${project}/functions`, { name, slug, code });
  const deployed = await session.ok(
    "POST",
    `/api/v1/projects/${project}/functions/${slug}/deploy`,
    {},
  );
  if (deployed.error) throw new Error(`${slug} did not deploy: ${JSON.stringify(deployed)}`);
  return deployed;
}

/** Creates and deploys the echo function under FUNCTION_SLUG. */
export async function deployEchoFunction(session, project = "default") {
  return deployFunction(session, {
    project,
    slug: FUNCTION_SLUG,
    name: "Echo",
    code: ECHO_FUNCTION,
  });
}

/** Adds the account `who` ({email, password}) to `project` with `role`, through the CLI. */
export async function addMember(server, who, { project = "default", role = "member" } = {}) {
  await server.cli(
    ["user", "add", "--email", who.email, "--password-stdin", "--project", project, "--role", role],
    `${who.password}\n`,
  );
}
