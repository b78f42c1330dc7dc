//! Compiler diagnostics: the data the editor and the API receive (file, line, column, a code
//! frame with a caret, a message and an optional hint) and their plain-text rendering for the CLI.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// How bad a diagnostic is; any `Error` means no artifact was produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found while compiling, located in a file.
///
/// `line` and `column` are 1-based; `column` counts UTF-16 code units, as editors in the browser do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable machine-readable code, e.g. `SYNTAX_ERROR`, `UNRESOLVED_IMPORT`.
    pub code: String,
    pub message: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// The lines around the location, the located one marked with `>` and a caret under it.
    pub frame: String,
    pub help: Option<String>,
}

/// Lines of context shown before and after the located line in a code frame.
const FRAME_CONTEXT: usize = 2;
/// Long (minified) lines are cut in frames so a diagnostic stays readable.
const FRAME_MAX_LINE_CHARS: usize = 160;

impl Diagnostic {
    /// An error located at byte `offset` of `source` (spanning `len` bytes for the caret).
    pub(crate) fn error_at(
        code: &str,
        message: impl Into<String>,
        file: &str,
        source: &str,
        offset: usize,
        len: usize,
    ) -> Self {
        let (line, column) = line_column(source, offset);
        Self {
            severity: Severity::Error,
            code: code.to_owned(),
            message: message.into(),
            file: file.to_owned(),
            line,
            column,
            frame: code_frame(source, offset, len),
            help: None,
        }
    }

    #[must_use]
    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    #[must_use]
    pub(crate) fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// 1-based line and 1-based UTF-16 column of byte `offset` in `source`.
pub(crate) fn line_column(source: &str, offset: usize) -> (u32, u32) {
    let offset = floor_char_boundary(source, offset);
    let before = &source[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
    let column = before[line_start..].encode_utf16().count() + 1;
    (saturate(line), saturate(column))
}

/// Byte offset of a 1-based line and UTF-16 column; clamps to the end of the line or file.
pub(crate) fn offset_of(source: &str, line: u32, column: u32) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match source[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return source.len(),
        }
    }
    let end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    let mut units = 1;
    for (i, ch) in source[start..end].char_indices() {
        if units >= column as usize {
            return start + i;
        }
        units += ch.len_utf16();
    }
    end
}

fn floor_char_boundary(source: &str, offset: usize) -> usize {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A Babel-style code frame: numbered lines around `offset`, a `>` on the located line and a
/// caret row under the located span (clipped to that line).
pub(crate) fn code_frame(source: &str, offset: usize, len: usize) -> String {
    let offset = floor_char_boundary(source, offset);
    let mut lines: Vec<&str> = source.split('\n').collect();
    let (line, _) = line_column(source, offset);
    let index = line as usize - 1;
    // The empty "line" after a final newline is noise unless the location is on it.
    if lines.len() > index + 1 && lines.last() == Some(&"") {
        lines.pop();
    }
    let first = index.saturating_sub(FRAME_CONTEXT);
    let last = (index + FRAME_CONTEXT).min(lines.len().saturating_sub(1));
    let width = (last + 1).to_string().len();
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);

    let mut frame = String::new();
    for (i, text) in lines.iter().enumerate().take(last + 1).skip(first) {
        let text = text.strip_suffix('\r').unwrap_or(text);
        let shown = clip(text);
        let marker = if i == index { '>' } else { ' ' };
        let _ = writeln!(frame, "{marker} {:>width$} | {shown}", i + 1);
        if i == index {
            // The caret row repeats tabs so the caret lines up under tab-indented code.
            let prefix: String = source[line_start..offset]
                .chars()
                .take(FRAME_MAX_LINE_CHARS)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let rest = text.len().saturating_sub(offset - line_start);
            let carets = source[offset..offset + len.min(rest)]
                .chars()
                .count()
                .max(1);
            let carets = carets.min(FRAME_MAX_LINE_CHARS);
            let _ = writeln!(frame, "  {:>width$} | {prefix}{}", "", "^".repeat(carets));
        }
    }
    frame.truncate(frame.trim_end().len());
    frame
}

fn clip(text: &str) -> String {
    if text.chars().count() > FRAME_MAX_LINE_CHARS {
        let cut: String = text.chars().take(FRAME_MAX_LINE_CHARS).collect();
        format!("{cut}…")
    } else {
        text.to_owned()
    }
}

/// Renders diagnostics as plain text for a terminal, one block per diagnostic.
///
/// ```text
/// error[SYNTAX_ERROR]: Expected `;` but found `}`
///   --> page.tsx:4:13
/// > 4 |   const x = ;
///     |             ^
///   help: …
/// ```
pub fn render_diagnostics(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(out, "{severity}[{}]: {}", d.code, d.message);
        let _ = writeln!(out, "  --> {}:{}:{}", d.file, d.line, d.column);
        if !d.frame.is_empty() {
            let _ = writeln!(out, "{}", d.frame);
        }
        if let Some(help) = &d.help {
            let _ = writeln!(out, "  help: {help}");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_utf16() {
        let src = "a\n😀b\nc";
        assert_eq!(line_column(src, 0), (1, 1));
        assert_eq!(line_column(src, 2), (2, 1));
        // the emoji is 4 bytes and 2 UTF-16 units
        assert_eq!(line_column(src, 6), (2, 3));
        assert_eq!(offset_of(src, 2, 3), 6);
        assert_eq!(offset_of(src, 3, 1), 8);
    }

    #[test]
    fn frame_marks_the_line_and_the_span() {
        let src = "one\ntwo\nconst x = ;\nfour\nfive\nsix";
        let frame = code_frame(src, src.find(';').unwrap(), 1);
        assert_eq!(
            frame,
            "  1 | one\n  2 | two\n> 3 | const x = ;\n    |           ^\n  4 | four\n  5 | five"
        );
    }

    #[test]
    fn frame_caret_follows_tabs_and_clips_to_the_line() {
        let src = "\tfoo(bar\nnext";
        let frame = code_frame(src, 5, 100);
        assert_eq!(frame, "> 1 | \tfoo(bar\n    | \t    ^^^\n  2 | next");
    }

    #[test]
    fn render_shows_location_frame_and_help() {
        let d = Diagnostic::error_at("X", "bad thing", "page.tsx", "let a = 1;", 4, 1)
            .with_help("do the other thing");
        let text = render_diagnostics(&[d]);
        assert!(text.starts_with("error[X]: bad thing\n  --> page.tsx:1:5\n> 1 | let a = 1;\n"));
        assert!(text.contains("  help: do the other thing\n"));
    }
}
