//! Signed webhook ingestion: many senders post precomputed deliveries (each one new message,
//! signed with the connection's app secret) to `POST …/webhooks/whatsapp` as fast as the
//! server answers, each waiting for its answer before the next, as Meta's delivery workers do.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::server::Server;
use crate::stats::Latencies;

/// A delivery ready to post: its body and `X-Hub-Signature-256`.
pub type Signed = (Vec<u8>, String);

pub struct Flood {
    pub deliveries: usize,
    pub seconds: f64,
    pub latencies: Latencies,
    /// Answers other than 200, by status and body.
    pub failures: BTreeMap<String, usize>,
    /// Transactions the server's delivery writer committed meanwhile.
    pub batches: f64,
}

impl Flood {
    pub fn per_second(&self) -> f64 {
        #[expect(clippy::cast_precision_loss, reason = "a count of deliveries")]
        let count = self.deliveries as f64;
        count / self.seconds
    }
}

/// Posts every delivery once, `senders` at a time.
pub async fn flood(server: &Server, deliveries: Vec<Signed>, senders: usize) -> Flood {
    let deliveries = Arc::new(deliveries);
    let next = Arc::new(AtomicUsize::new(0));
    let url = Arc::new(server.api("/webhooks/whatsapp"));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..senders {
        let (deliveries, next, url, http) = (
            deliveries.clone(),
            next.clone(),
            url.clone(),
            server.http.clone(),
        );
        tasks.spawn(async move {
            let mut latencies = Latencies::default();
            let mut failures: BTreeMap<String, usize> = BTreeMap::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some((body, signature)) = deliveries.get(index) else {
                    break;
                };
                let sent = Instant::now();
                let answer = http
                    .post(url.as_str())
                    .header("content-type", "application/json")
                    .header("x-hub-signature-256", signature)
                    .body(body.clone())
                    .send()
                    .await;
                let failure = match answer {
                    Ok(answer) => {
                        let status = answer.status();
                        let text = answer.text().await.unwrap_or_default();
                        (!status.is_success()).then(|| {
                            format!("{status} {}", text.chars().take(160).collect::<String>())
                        })
                    }
                    Err(error) => Some(format!("no answer: {error}")),
                };
                match failure {
                    None => latencies.push(sent.elapsed()),
                    Some(failure) => *failures.entry(failure).or_default() += 1,
                }
            }
            (latencies, failures)
        });
    }
    let mut latencies = Latencies::default();
    let mut failures: BTreeMap<String, usize> = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        let (mine, failed) = done.expect("a sender panicked");
        latencies.extend(mine);
        for (failure, count) in failed {
            *failures.entry(failure).or_default() += count;
        }
    }
    Flood {
        deliveries: deliveries.len(),
        seconds: started.elapsed().as_secs_f64(),
        latencies,
        failures,
        batches: f64::NAN,
    }
}
