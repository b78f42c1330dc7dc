//! Live clients: many connected event streams (`GET …/events`, server-sent events, a bearer
//! token each) while signed deliveries come in one at a time; for every client and delivery,
//! the time from just before the webhook POST was sent to the moment the client read the
//! delivery's `message.created` event.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::bail;
use futures::StreamExt;
use tokio::sync::watch;

use crate::server::Server;
use crate::stats::Latencies;
use crate::webhook::Signed;

/// Streams opened at once while connecting.
const CONNECTING_AT_ONCE: usize = 50;
/// How long the clients may take, after the last delivery, to see it.
const LAST_EVENT_WAIT: Duration = Duration::from_secs(10);

pub struct Live {
    pub clients: usize,
    pub accounts: usize,
    pub connect_seconds: f64,
    pub deliveries: usize,
    /// POST sent → event read, one sample per client and delivery.
    pub received: Latencies,
    /// POST sent → its 200 answer.
    pub acknowledged: Latencies,
    /// (client, delivery) pairs that never arrived.
    pub missing: usize,
}

/// What the clients share: each delivery's wamid, when its POST was sent, and how many
/// events arrived so far.
struct Rounds {
    by_wamid: HashMap<String, usize>,
    sent_at: Vec<OnceLock<Instant>>,
    arrived: AtomicUsize,
    /// Streams that sent `ready`, and streams that failed.
    ready: AtomicUsize,
    failed: AtomicUsize,
}

/// Opens `clients` streams spread over `tokens` (one account each), then posts `deliveries`
/// (wamid, signed body) one at a time, `pause` apart.
pub async fn measure(
    server: &Server,
    tokens: &[String],
    clients: usize,
    deliveries: Vec<(String, Signed)>,
    pause: Duration,
) -> anyhow::Result<Live> {
    let rounds = Arc::new(Rounds {
        by_wamid: deliveries
            .iter()
            .enumerate()
            .map(|(i, (wamid, _))| (wamid.clone(), i))
            .collect(),
        sent_at: deliveries.iter().map(|_| OnceLock::new()).collect(),
        arrived: AtomicUsize::new(0),
        ready: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
    });
    let (stop, stopped) = watch::channel(false);
    // A client of its own for the streams: they hold their connections for the whole phase.
    let http = reqwest::Client::builder().tcp_nodelay(true).build()?;
    let url = server.api("/events");
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..clients {
        let token = tokens[client % tokens.len()].clone();
        let (http, url, shared, stopped) =
            (http.clone(), url.clone(), rounds.clone(), stopped.clone());
        tasks.spawn(async move {
            let listened = listen(http, url, token, shared.clone(), stopped).await;
            if listened.is_err() {
                shared.failed.fetch_add(1, Ordering::Relaxed);
            }
            listened
        });
        // Opening in waves keeps the accept queue short.
        if client % CONNECTING_AT_ONCE == CONNECTING_AT_ONCE - 1 {
            wait_until(
                || {
                    rounds.ready.load(Ordering::Relaxed) > client - CONNECTING_AT_ONCE / 2
                        || rounds.failed.load(Ordering::Relaxed) > 0
                },
                Duration::from_secs(30),
            )
            .await;
        }
    }
    wait_until(
        || {
            rounds.ready.load(Ordering::Relaxed) == clients
                || rounds.failed.load(Ordering::Relaxed) > 0
        },
        Duration::from_mins(2),
    )
    .await;
    let ready = rounds.ready.load(Ordering::Relaxed);
    if ready < clients {
        let _ = stop.send(true);
        let mut failure = "timed out".to_owned();
        while let Some(done) = tasks.join_next().await {
            if let Ok(Err(error)) = done {
                failure = error.to_string();
                break;
            }
        }
        bail!("only {ready} of {clients} event streams started: {failure}");
    }
    let connect_seconds = started.elapsed().as_secs_f64();

    let acknowledged = post_one_by_one(server, &deliveries, &rounds, pause).await?;
    let expected = clients * deliveries.len();
    wait_until(
        || rounds.arrived.load(Ordering::Relaxed) == expected,
        LAST_EVENT_WAIT,
    )
    .await;
    let _ = stop.send(true);
    let mut received = Latencies::default();
    while let Some(done) = tasks.join_next().await {
        received.extend(done??);
    }
    Ok(Live {
        clients,
        accounts: tokens.len().min(clients),
        connect_seconds,
        deliveries: deliveries.len(),
        missing: expected - rounds.arrived.load(Ordering::Relaxed),
        received,
        acknowledged,
    })
}

/// Posts each delivery once, `pause` after the last one's answer, noting when each was sent;
/// answers the time each took to be acknowledged.
async fn post_one_by_one(
    server: &Server,
    deliveries: &[(String, Signed)],
    rounds: &Rounds,
    pause: Duration,
) -> anyhow::Result<Latencies> {
    let mut acknowledged = Latencies::default();
    let webhook = server.api("/webhooks/whatsapp");
    for (round, (_, (body, signature))) in deliveries.iter().enumerate() {
        tokio::time::sleep(pause).await;
        let sent = Instant::now();
        rounds.sent_at[round]
            .set(sent)
            .expect("each delivery is sent once");
        let answer = server
            .http
            .post(&webhook)
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(body.clone())
            .send()
            .await?;
        if !answer.status().is_success() {
            bail!(
                "a live delivery answered {}: {}",
                answer.status(),
                answer.text().await?
            );
        }
        acknowledged.push(sent.elapsed());
    }
    Ok(acknowledged)
}

/// One client: opens the stream, then reads events until told to stop, timing each
/// delivery's `message.created`.
async fn listen(
    http: reqwest::Client,
    url: String,
    token: String,
    rounds: Arc<Rounds>,
    mut stopped: watch::Receiver<bool>,
) -> anyhow::Result<Latencies> {
    let answer = http
        .get(&url)
        .bearer_auth(&token)
        .header("accept", "text/event-stream")
        .send()
        .await?;
    if !answer.status().is_success() {
        bail!(
            "the event stream answered {}: {}",
            answer.status(),
            answer.text().await?
        );
    }
    let mut stream = answer.bytes_stream();
    let mut pending = String::new();
    let mut latencies = Latencies::default();
    loop {
        let chunk = tokio::select! {
            chunk = stream.next() => chunk,
            _ = stopped.changed() => break,
        };
        let arrived = Instant::now();
        let Some(chunk) = chunk else {
            bail!("the server ended an event stream");
        };
        pending.push_str(&String::from_utf8_lossy(&chunk?));
        // Events end with a blank line.
        while let Some(end) = pending.find("\n\n") {
            let event: String = pending.drain(..end + 2).collect();
            match field(&event, "event") {
                Some("ready") => {
                    rounds.ready.fetch_add(1, Ordering::Relaxed);
                }
                Some("message.created") => {
                    let round = field(&event, "data")
                        .and_then(wamid_in)
                        .and_then(|wamid| rounds.by_wamid.get(wamid));
                    if let Some(sent) = round.and_then(|&round| rounds.sent_at[round].get()) {
                        latencies.push(arrived - *sent);
                        rounds.arrived.fetch_add(1, Ordering::Relaxed);
                    }
                }
                _ => {}
            }
        }
    }
    Ok(latencies)
}

/// The value of `name` in a server-sent event.
fn field<'a>(event: &'a str, name: &str) -> Option<&'a str> {
    event.lines().find_map(|line| {
        line.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(|value| value.strip_prefix(' ').unwrap_or(value))
    })
}

/// The message's wamid in a `message.created` event's JSON, found without parsing the
/// whole event (a thousand clients read each one).
fn wamid_in(data: &str) -> Option<&str> {
    const KEY: &str = "\"wamid\":\"";
    let start = data.find(KEY)? + KEY.len();
    let length = data[start..].find('"')?;
    Some(&data[start..start + length])
}

async fn wait_until(done: impl Fn() -> bool, at_most: Duration) {
    let started = Instant::now();
    while !done() && started.elapsed() < at_most {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
