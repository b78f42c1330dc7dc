/**
 * Starting points for a new function: each a whole handler that runs as it is, in the style
 * of the page templates (crates/quire-server/src/templates/): short, commented where a reader
 * would ask, and answering JSON.
 */

export interface FunctionTemplate {
  name: string;
  title: string;
  description: string;
  code: string;
}

export const FUNCTION_TEMPLATES: FunctionTemplate[] = [
  {
    name: "echo",
    title: "Echo",
    description:
      "Answers the payload it got: what the seed page's `your-function-slug` call expects.",
    code: `// Called from a page with kapso.invokeFunction({ slug, payload }), or by POST to its URL.
async function handler(request, env) {
  const payload = await request.json();
  return new Response(JSON.stringify({ from: "quire-function", received: payload }), {
    headers: { "content-type": "application/json" },
  });
}
`,
  },
  {
    name: "counter",
    title: "KV counter",
    description: "Counts its calls in the project's key-value store (env.KV.get / env.KV.put).",
    code: `// env.KV is the project's key-value store, shared by all its functions.
async function handler(request, env) {
  const { name = "visits" } = await request.json().catch(() => ({}));
  const key = \`counter:\${name}\`;
  const count = Number((await env.KV.get(key)) ?? 0) + 1;
  await env.KV.put(key, String(count));
  console.log(\`\${key} is now \${count}\`);
  return Response.json({ name, count });
}
`,
  },
  {
    name: "fetch",
    title: "Outside API with a secret",
    description:
      "Calls an outside HTTP API with fetch, sending the secret API_TOKEN (set it under Secrets).",
    code: `// Secrets are read as env.NAME; set API_TOKEN under Secrets. Its value never shows in logs.
async function handler(request, env) {
  if (!env.API_TOKEN) {
    return Response.json({ error: "set the secret API_TOKEN first" }, { status: 500 });
  }
  const { query = "quire" } = await request.json().catch(() => ({}));
  const url = new URL("https://api.example.com/search");
  url.searchParams.set("q", query);
  const answer = await fetch(url, {
    headers: { authorization: \`Bearer \${env.API_TOKEN}\`, accept: "application/json" },
  });
  if (!answer.ok) {
    return Response.json({ error: \`the API answered \${answer.status}\` }, { status: 502 });
  }
  return Response.json(await answer.json());
}
`,
  },
];
