/**
 * The page in a model's answer, as the server reads it (`crates/quire-server/src/agent/
 * code.rs`): the first fenced code block, else the whole answer when it reads as code. Works on
 * a partial answer too, so the editor shows the page while it streams.
 */
export function codeOf(answer: string): string | null {
  const start = answer.indexOf("```");
  if (start >= 0) {
    const after = answer.slice(start + 3);
    const newline = after.indexOf("\n");
    // Still inside the fence's info string: no code yet.
    if (newline < 0) return null;
    const body = after.slice(newline + 1);
    let end = body.length;
    let offset = 0;
    for (const line of body.split(/(?<=\n)/)) {
      if (line.trim() === "```") {
        end = offset;
        break;
      }
      offset += line.length;
    }
    const code = body.slice(0, end).trimEnd();
    return code.trim() === "" ? null : `${code}\n`;
  }
  const trimmed = answer.trim();
  const looksLikeCode =
    trimmed.startsWith("import ") ||
    trimmed.startsWith('"use client"') ||
    trimmed.startsWith("//") ||
    trimmed.startsWith("/*");
  return looksLikeCode ? `${trimmed}\n` : null;
}
