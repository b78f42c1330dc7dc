//! What the page agent tells the model: the page rules, the `kapso` bridge's declarations, the
//! project's functions (their code only when the person allows it), its asset names, the
//! conversation context of an inbox page, then the request; and after an attempt, what the
//! compiler or the studio found, with the code frames. Nothing secret goes in: no function
//! secrets, no tokens, no other project's data.

use std::fmt::Write as _;

use quire_compiler::Diagnostic;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::Message;

const KAPSO_D_TS: &str = include_str!("../../../../bridge/kapso.d.ts");

/// How much of one function's code goes into the prompt.
const MAX_FUNCTION_CODE: usize = 8_000;

const RULES: &str = r#"You write pages for Quire, a platform for project pages. A page is ONE TSX file:
- React function components, rendered by the file itself:
  `import { createRoot } from "react-dom/client";` then
  `createRoot(document.getElementById("root")!).render(<App />);`
- Import "react", "react-dom/client" and, only when you are sure the package exists on npm, other
  npm packages by name. No relative imports (except the project's assets listed below), no CSS
  files: style with inline styles or a <style> element in the component.
- The page runs in a sandboxed iframe with an opaque origin: cookies, localStorage,
  sessionStorage, indexedDB and the parent window are NOT available. Keep state in React.
- Talk to the server only through the global `kapso` (declared below, no import): call
  `await kapso.ready()` before anything else, then `kapso.invokeFunction({ slug, payload })`
  for the project's functions and `kapso.getContext()` for who is looking and the theme.
  Show a loading state, an error message when a call fails, and an empty state.
- Follow `kapso.getContext().system.theme` ("light" or "dark") for colours.
- Answer with the WHOLE file in ONE ```tsx fenced code block. A sentence before it is fine.
- Only when the page needs a server-side function the project does not have, write it too,
  after the page, in a block fenced as ```js function:<slug> (a slug of a-z, 0-9 and -):
  `async function handler(request, env) { const payload = await request.json(); …
  return Response.json(result); }` with fetch, env.KV and env.<SECRET> available. It is saved
  as a draft for a person to review and deploy; the page calls it by that slug."#;

/// A function of the project, as the model may see it.
pub struct FunctionBrief {
    pub slug: String,
    pub name: String,
    pub deployed: bool,
    /// Its head code, when the person allowed sharing it.
    pub code: Option<String>,
}

/// What the first request is built from.
pub struct Brief<'a> {
    pub request: &'a str,
    /// The page's current source, for a change; `None` for a new page.
    pub current: Option<&'a str>,
    pub functions: &'a [FunctionBrief],
    pub assets: &'a [String],
    pub inbox_mount: bool,
}

/// The system message and the person's request.
pub fn opening(brief: &Brief<'_>) -> Vec<Message> {
    let mut system = String::from(RULES);
    let _ = write!(
        system,
        "\n\nThe `kapso` global's declarations:\n```ts\n{}\n```\n",
        KAPSO_D_TS.trim()
    );
    if brief.functions.is_empty() {
        system.push_str(
            "\nThe project has no functions yet: do not call invokeFunction; show example data \
             and say in the page which function it would need.\n",
        );
    } else {
        system.push_str("\nThe project's functions (call them by slug; use no others):\n");
        for function in brief.functions {
            let state = if function.deployed {
                "deployed"
            } else {
                "not deployed yet"
            };
            let _ = writeln!(system, "- `{}`: {} ({state})", function.slug, function.name);
            if let Some(code) = &function.code {
                let code: String = code.chars().take(MAX_FUNCTION_CODE).collect();
                let _ = writeln!(system, "```js\n{}\n```", code.trim());
            }
        }
    }
    if !brief.assets.is_empty() {
        let names: Vec<String> = brief.assets.iter().map(|n| format!("\"./{n}\"")).collect();
        let _ = writeln!(
            system,
            "\nThe project's assets, importable by name: {}",
            names.join(", ")
        );
    }
    if brief.inbox_mount {
        system.push_str(
            "\nThis page is mounted in the inbox's conversation sidebar (360 px wide). \
             `kapso.getContext().context.conversation` is the conversation open beside it \
             (`KapsoConversation` above: id, phoneNumber, whatsappContactId, whatsappConfigId, \
             whatsappPhoneNumberId, contactName; null when none is open). Register \
             `kapso.on(\"context\", …)` to follow the agent switching conversations.\n",
        );
    }
    let user = match brief.current {
        Some(current) => format!(
            "This is the page's current source:\n```tsx\n{}\n```\n\nChange it: {}",
            current.trim_end(),
            brief.request
        ),
        None => format!("Write this page: {}", brief.request),
    };
    vec![Message::system(system), Message::user(user)]
}

/// What the model's attempt is remembered as: its code only, so later requests stay short.
pub fn attempt(source: &str) -> Message {
    Message::assistant(format!("```tsx\n{}\n```", source.trim_end()))
}

/// An answer without code.
pub fn no_code() -> Message {
    Message::user(
        "Your answer held no code. Answer with the whole page in one ```tsx fenced code block."
            .to_owned(),
    )
}

/// The compiler's errors, with their code frames.
pub fn did_not_build(diagnostics: &[Diagnostic]) -> Message {
    let mut text = String::from("The page did not build. The compiler reported:\n");
    for diagnostic in diagnostics {
        let _ = write!(
            text,
            "\n{} {} at line {}, column {}: {}\n{}\n",
            diagnostic_severity(diagnostic),
            diagnostic.code,
            diagnostic.line,
            diagnostic.column,
            diagnostic.message,
            diagnostic.frame.trim_end()
        );
        if let Some(help) = &diagnostic.help {
            let _ = writeln!(text, "help: {help}");
        }
    }
    text.push_str("\nFix every error and answer with the whole corrected file.");
    Message::user(text)
}

fn diagnostic_severity(diagnostic: &Diagnostic) -> &'static str {
    match diagnostic.severity {
        quire_compiler::Severity::Error => "error",
        quire_compiler::Severity::Warning => "warning",
    }
}

/// A problem the studio found in a built attempt: a type error, or an error the preview
/// raised or logged.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    /// `typescript` (a type error), `uncaught` (an error the page threw) or `console` (a
    /// `console.error` line).
    pub source: ProblemSource,
    /// The message, at most 2,000 characters.
    pub message: String,
    /// Where in the source, when known (1-based).
    pub line: Option<u32>,
    pub column: Option<u32>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ProblemSource {
    Typescript,
    Uncaught,
    Console,
}

/// What the studio found once the attempt built, with the source lines around each one.
pub fn did_not_render(source: &str, problems: &[Problem]) -> Message {
    let mut text =
        String::from("The page built, but in the preview the studio found these problems:\n");
    for problem in problems {
        let what = match problem.source {
            ProblemSource::Typescript => "type error",
            ProblemSource::Uncaught => "uncaught error",
            ProblemSource::Console => "console.error",
        };
        match problem.line {
            Some(line) => {
                let _ = write!(
                    text,
                    "\n{what} at line {line}, column {}: {}\n{}\n",
                    problem.column.unwrap_or(1),
                    problem.message,
                    frame(source, line)
                );
            }
            None => {
                let _ = writeln!(text, "\n{what}: {}", problem.message);
            }
        }
    }
    text.push_str("\nFix them and answer with the whole corrected file.");
    Message::user(text)
}

/// Two lines either side of `line`, the line itself marked with `>`.
fn frame(source: &str, line: u32) -> String {
    let line = line as usize;
    let mut out = String::new();
    for (index, text) in source.lines().enumerate() {
        let number = index + 1;
        if number + 2 >= line && number <= line + 2 {
            let mark = if number == line { '>' } else { ' ' };
            let _ = writeln!(out, "{mark} {number:>4} | {text}");
        }
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_carries_the_rules_the_bridge_and_the_functions() {
        let functions = [FunctionBrief {
            slug: "orders".into(),
            name: "Orders".into(),
            deployed: true,
            code: None,
        }];
        let messages = opening(&Brief {
            request: "a list of orders",
            current: None,
            functions: &functions,
            assets: &[],
            inbox_mount: true,
        });
        let system = &messages[0].content;
        assert!(system.contains("interface Kapso"));
        assert!(system.contains("`orders`: Orders (deployed)"));
        assert!(system.contains("conversation sidebar"));
        assert!(system.contains("localStorage"));
        assert_eq!(messages[1].content, "Write this page: a list of orders");
    }

    #[test]
    fn a_problem_comes_with_its_lines() {
        let message = did_not_render(
            "a\nb\nc\nd\ne\nf\n",
            &[Problem {
                source: ProblemSource::Uncaught,
                message: "x is not defined".into(),
                line: Some(4),
                column: Some(2),
            }],
        );
        assert!(
            message
                .content
                .contains("uncaught error at line 4, column 2: x is not defined")
        );
        assert!(message.content.contains(">    4 | d"));
        assert!(!message.content.contains("   1 | a"));
    }
}
