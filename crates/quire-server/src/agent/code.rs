//! The page in a model's answer: the first fenced code block (```` ```tsx ````, `jsx`, `ts`,
//! `js` or no language), else the whole answer when it reads as code. The studio reads a
//! partial answer the same way (`ui/studio/agentCode.ts`) to show the page as it streams.

/// The page's source in `answer`, or `None` when the answer holds no code.
pub fn extract(answer: &str) -> Option<String> {
    if let Some(start) = answer.find("```") {
        let after = &answer[start + 3..];
        // The fence's info string runs to the end of its line.
        let body_start = after.find('\n').map_or(after.len(), |at| at + 1);
        let body = &after[body_start..];
        let body = match find_closing_fence(body) {
            Some(end) => &body[..end],
            None => body,
        };
        let code = body.trim_end();
        return (!code.trim().is_empty()).then(|| format!("{code}\n"));
    }
    let trimmed = answer.trim();
    let looks_like_code = trimmed.starts_with("import ")
        || trimmed.starts_with("\"use client\"")
        || trimmed.starts_with("//")
        || trimmed.starts_with("/*");
    looks_like_code.then(|| format!("{trimmed}\n"))
}

/// Where the closing fence starts: a line that is only ```` ``` ````.
fn find_closing_fence(body: &str) -> Option<usize> {
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        if line.trim() == "```" {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::extract;

    #[test]
    fn the_first_fenced_block_is_the_page() {
        let answer = "Here it is:\n\n```tsx\nimport React from \"react\";\nconst a = 1;\n```\n\nIt shows a list.";
        assert_eq!(
            extract(answer).as_deref(),
            Some("import React from \"react\";\nconst a = 1;\n")
        );
    }

    #[test]
    fn an_unclosed_block_runs_to_the_end() {
        assert_eq!(
            extract("```\nconst a = 1;").as_deref(),
            Some("const a = 1;\n")
        );
    }

    #[test]
    fn bare_code_is_taken_and_prose_is_not() {
        assert_eq!(
            extract("import x from \"y\";\n").as_deref(),
            Some("import x from \"y\";\n")
        );
        assert_eq!(extract("I cannot help with that."), None);
    }
}
