//! The conversation list as the inbox asks for it (`GET …/conversations`), one request after
//! another on a kept-alive connection with an API token, timed from the client: the first
//! page, searches for a name, a number and a word of message text, the unread filter, and
//! the following pages by cursor.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rand::Rng;
use rand::seq::SliceRandom;
use serde_json::Value;

use crate::people;
use crate::seed::Contact;
use crate::server::Server;
use crate::stats::Latencies;
use crate::texts;

/// Requests made before timing, so the first timed one is not the first after the seed.
const WARM_UP: usize = 20;
/// Pages walked by cursor before starting again from the first.
const PAGES_PER_WALK: usize = 100;

/// The kinds of request timed, in the order of the table.
pub const KINDS: &[&str] = &[
    "first page",
    "next page (cursor)",
    "search: name fragment",
    "search: number fragment",
    "search: word of message text",
    "unread only",
];

/// One kind's figures, and how many conversations its requests found on average.
pub struct Timed {
    pub kind: &'static str,
    pub latencies: Latencies,
    pub found_per_request: f64,
    /// Whether the kind ran out of time before making all its requests.
    pub cut_short: bool,
}

/// `requests` timed requests of each kind, or as many as fit in `budget`.
pub async fn measure(
    server: &Server,
    rng: &mut impl Rng,
    contacts: &[Contact],
    requests: usize,
    budget: Duration,
) -> anyhow::Result<Vec<Timed>> {
    let mut results = Vec::new();
    for &kind in KINDS {
        results.push(measure_kind(server, rng, contacts, kind, requests, budget).await?);
    }
    Ok(results)
}

async fn measure_kind(
    server: &Server,
    rng: &mut impl Rng,
    contacts: &[Contact],
    kind: &'static str,
    requests: usize,
    budget: Duration,
) -> anyhow::Result<Timed> {
    let mut latencies = Latencies::default();
    let mut found = 0usize;
    let mut made = 0usize;
    let mut cursor: Option<String> = None;
    let mut walked = 0;
    let started = Instant::now();
    for round in 0..WARM_UP + requests {
        if started.elapsed() > budget {
            break;
        }
        let query = match kind {
            "first page" => "limit=30".to_owned(),
            "next page (cursor)" => {
                if cursor.is_none() || walked == PAGES_PER_WALK {
                    cursor = next_cursor(&get(server, "limit=30", budget).await?.1);
                    walked = 0;
                }
                walked += 1;
                format!(
                    "limit=30&cursor={}",
                    encode(cursor.as_deref().context("a cursor")?)
                )
            }
            "search: name fragment" => {
                format!("limit=30&q={}", encode(&people::name_fragment(rng)))
            }
            "search: number fragment" => format!("limit=30&q={}", number_fragment(rng, contacts)),
            "search: word of message text" => {
                format!(
                    "limit=30&q={}",
                    texts::SEARCH_WORDS.choose(rng).expect("words")
                )
            }
            "unread only" => "limit=30&unread=true".to_owned(),
            other => bail!("no such kind {other}"),
        };
        let (took, page) = get(server, &query, budget).await?;
        if kind == "next page (cursor)" {
            cursor = next_cursor(&page);
        }
        if round >= WARM_UP {
            latencies.push(took);
            found += page["conversations"].as_array().map_or(0, Vec::len);
            made += 1;
        }
    }
    #[expect(clippy::cast_precision_loss, reason = "counts of the benchmark")]
    let found_per_request = found as f64 / made.max(1) as f64;
    Ok(Timed {
        kind,
        latencies,
        found_per_request,
        cut_short: made < requests,
    })
}

/// One request; one that takes longer than `at_most` is an error (the list is far off its
/// target then).
async fn get(server: &Server, query: &str, at_most: Duration) -> anyhow::Result<(Duration, Value)> {
    let sent = Instant::now();
    let answer = server
        .http
        .get(format!("{}?{query}", server.api("/conversations")))
        .bearer_auth(&server.owner_token)
        .timeout(at_most)
        .send()
        .await
        .with_context(|| format!("GET conversations?{query}"))?;
    let status = answer.status();
    let body = answer.bytes().await?;
    let took = sent.elapsed();
    if !status.is_success() {
        bail!(
            "GET conversations?{query} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    Ok((took, serde_json::from_slice(&body)?))
}

fn next_cursor(page: &Value) -> Option<String> {
    page["next_cursor"].as_str().map(str::to_owned)
}

/// Four to six digits from the middle of a contact's number, as someone types what they
/// remember of it.
fn number_fragment(rng: &mut impl Rng, contacts: &[Contact]) -> String {
    loop {
        let contact = contacts.choose(rng).expect("contacts");
        if let Some(number) = &contact.person.wa_id {
            let length = rng.gen_range(4..=6);
            let start = rng.gen_range(0..=number.len() - length);
            return number[start..start + length].to_owned();
        }
    }
}

/// Percent-encodes a query value (names may hold letters outside ASCII).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}
