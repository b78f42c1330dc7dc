/**
 * The page in a model's answer, as the server reads it (`crates/quire-server/src/agent/
 * code.rs`): the first fenced code block that is not a function draft (```` ```js
 * function:<slug> ````), else the whole answer when it reads as code. Works on a partial
 * answer too, so the editor shows the page while it streams.
 */
export function codeOf(answer: string): string | null {
  let rest = answer;
  let sawBlock = false;
  for (;;) {
    const start = rest.indexOf("```");
    if (start < 0) break;
    const after = rest.slice(start + 3);
    const newline = after.indexOf("\n");
    // Still inside the fence's info string: no code yet.
    if (newline < 0) return null;
    sawBlock = true;
    const info = after.slice(0, newline).trim();
    const body = after.slice(newline + 1);
    let end = -1;
    let next = body.length;
    let offset = 0;
    for (const line of body.split(/(?<=\n)/)) {
      if (line.trim() === "```") {
        end = offset;
        next = offset + line.length;
        break;
      }
      offset += line.length;
    }
    if (!/(^|\s)function:/.test(info)) {
      const code = body.slice(0, end < 0 ? body.length : end).trimEnd();
      return code.trim() === "" ? null : `${code}\n`;
    }
    if (end < 0) return null;
    rest = body.slice(next);
  }
  if (sawBlock) return null;
  const trimmed = answer.trim();
  const looksLikeCode =
    trimmed.startsWith("import ") ||
    trimmed.startsWith('"use client"') ||
    trimmed.startsWith("//") ||
    trimmed.startsWith("/*");
  return looksLikeCode ? `${trimmed}\n` : null;
}
