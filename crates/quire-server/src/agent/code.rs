//! What a model's answer holds: the page, the first fenced code block that is not a function
//! (```` ```tsx ````, `jsx`, `ts`, `js` or no language), else the whole answer when it reads as
//! code; and the functions it drafts, blocks fenced as ```` ```js function:<slug> ````. The
//! studio reads a partial answer the same way (`ui/studio/agentCode.ts`) to show the page as
//! it streams.

/// A fenced block: the fence's info string and the code.
struct Block<'a> {
    info: &'a str,
    body: &'a str,
}

/// The fenced blocks of `answer`, in order; an unclosed last block runs to the end.
fn blocks(answer: &str) -> Vec<Block<'_>> {
    let mut found = Vec::new();
    let mut rest = answer;
    while let Some(start) = rest.find("```") {
        let after = &rest[start + 3..];
        let Some(newline) = after.find('\n') else {
            break;
        };
        let info = after[..newline].trim();
        let body = &after[newline + 1..];
        let Some((end, next)) = find_closing_fence(body) else {
            found.push(Block { info, body });
            break;
        };
        found.push(Block {
            info,
            body: &body[..end],
        });
        rest = &body[next..];
    }
    found
}

/// The slug of a function block's info string (`js function:orders` → `orders`).
fn function_slug(info: &str) -> Option<&str> {
    info.split_whitespace()
        .find_map(|word| word.strip_prefix("function:"))
        .map(str::trim)
}

/// The page's source in `answer`, or `None` when the answer holds no code.
pub fn extract(answer: &str) -> Option<String> {
    let found = blocks(answer);
    if !found.is_empty() {
        let page = found.iter().find(|b| function_slug(b.info).is_none())?;
        let code = page.body.trim_end();
        return (!code.trim().is_empty()).then(|| format!("{code}\n"));
    }
    let trimmed = answer.trim();
    let looks_like_code = trimmed.starts_with("import ")
        || trimmed.starts_with("\"use client\"")
        || trimmed.starts_with("//")
        || trimmed.starts_with("/*");
    looks_like_code.then(|| format!("{trimmed}\n"))
}

/// The functions `answer` drafts: (slug, code), in order.
pub fn function_drafts(answer: &str) -> Vec<(String, String)> {
    blocks(answer)
        .into_iter()
        .filter_map(|block| {
            let slug = function_slug(block.info)?;
            let code = block.body.trim_end();
            (!slug.is_empty() && !code.trim().is_empty())
                .then(|| (slug.to_owned(), format!("{code}\n")))
        })
        .collect()
}

/// Where the closing fence starts, and where the text after its line starts: a line that is
/// only ```` ``` ````.
fn find_closing_fence(body: &str) -> Option<(usize, usize)> {
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        if line.trim() == "```" {
            return Some((offset, offset + line.len()));
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{extract, function_drafts};

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

    #[test]
    fn a_function_block_is_a_draft_not_the_page() {
        let answer = "```js function:last-orders\nasync function handler() {}\n```\n\n```tsx\nconst page = 1;\n```\n";
        assert_eq!(extract(answer).as_deref(), Some("const page = 1;\n"));
        assert_eq!(
            function_drafts(answer),
            vec![(
                "last-orders".to_owned(),
                "async function handler() {}\n".to_owned()
            )]
        );
    }
}
