//! Request ids, request logs and request metrics, as one layer ([`observe`]) around both
//! origins, and the metrics of compiles, function calls and WhatsApp deliveries.

use std::collections::HashMap;
use std::sync::{OnceLock, PoisonError, RwLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use metrics::{Counter, Histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The process-wide Prometheus recorder, installed on first use.
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
            ])
            .expect("static buckets are valid")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (several apps in one test process);
        // metrics then go there, which is harmless.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Folds the histograms' recorded samples into their summaries, every five seconds, for as
/// long as the server runs. The exporter keeps each sample until this runs (or `/metrics` is
/// scraped): without it, memory grows with every request.
pub async fn run_metrics_upkeep() {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        tick.tick().await;
        metrics_handle().run_upkeep();
    }
}

/// One page compile, successful or not.
pub fn record_compile(ok: bool, took: std::time::Duration) {
    let labels = [("ok", if ok { "true" } else { "false" })];
    metrics::counter!("quire_page_compiles_total", &labels).increment(1);
    metrics::histogram!("quire_page_compile_duration_seconds", &labels).record(took.as_secs_f64());
}

/// One function invocation, successful or not.
pub fn record_invocation(ok: bool, took: std::time::Duration) {
    static SERIES: OnceLock<[(Counter, Histogram); 2]> = OnceLock::new();
    let series = SERIES.get_or_init(|| {
        metrics_handle();
        [false, true].map(|ok| {
            let labels = [("ok", if ok { "true" } else { "false" })];
            (
                metrics::counter!("quire_function_invocations_total", &labels),
                metrics::histogram!("quire_function_invocation_duration_seconds", &labels),
            )
        })
    });
    let (count, time) = &series[usize::from(ok)];
    count.increment(1);
    time.record(took.as_secs_f64());
}

/// Where function calls ran (see `quire_functions::RuntimeConfig::inline_calls`), read from
/// the runtime when metrics are scraped.
pub fn record_function_placements(placements: quire_functions::Placements) {
    metrics::counter!("quire_function_calls_total", "ran" => "caller")
        .absolute(placements.on_caller);
    metrics::counter!("quire_function_calls_total", "ran" => "worker")
        .absolute(placements.on_workers);
    metrics::counter!("quire_function_calls_handed_off_total").absolute(placements.handed_off);
    metrics::counter!("quire_function_fresh_isolates_total", "from" => "spare")
        .absolute(placements.fresh_from_spares);
    metrics::counter!("quire_function_fresh_isolates_total", "from" => "scratch")
        .absolute(placements.fresh_built);
    #[allow(clippy::cast_precision_loss)] // a count of running calls
    metrics::gauge!("quire_function_calls_running_long").set(placements.running_long as f64);
    #[expect(clippy::cast_precision_loss, reason = "a count of running calls")]
    metrics::gauge!("quire_function_calls_running_long_off_workers")
        .set(placements.running_long_on_workers as f64);
}

/// Counts calls refused because their project had its share of calls running for as long as
/// they could wait.
pub fn record_function_call_refused_busy() {
    metrics::counter!("quire_function_calls_refused_busy_total").increment(1);
}

/// Counts invocation records dropped because the database could not keep up.
pub fn record_dropped_invocation_record() {
    metrics::counter!("quire_invocation_records_dropped_total").increment(1);
}

/// One WhatsApp delivery that was stored: what it held, and what of it was skipped.
pub fn record_whatsapp_delivery(outcome: &crate::inbox::ingest::Outcome) {
    let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    metrics::counter!("quire_whatsapp_deliveries_total").increment(1);
    for (result, n) in [
        ("stored", outcome.messages_stored),
        ("repeated", outcome.messages_repeated),
    ] {
        metrics::counter!("quire_whatsapp_messages_total", "result" => result).increment(count(n));
    }
    for (result, n) in [
        ("applied", outcome.statuses_applied),
        ("stale", outcome.statuses_stale),
        ("held", outcome.statuses_held),
        ("unknown_message", outcome.statuses_unknown),
        ("unknown_status", outcome.statuses_other),
    ] {
        metrics::counter!("quire_whatsapp_statuses_total", "result" => result).increment(count(n));
    }
    for (reason, n) in [
        ("unknown_number", outcome.changes_unknown_number),
        ("other_field", outcome.changes_other_field),
    ] {
        metrics::counter!("quire_whatsapp_changes_skipped_total", "reason" => reason)
            .increment(count(n));
    }
}

/// One transaction of the delivery writer (see `inbox::ingest`): with the count of
/// deliveries, how many it writes at once.
pub fn record_whatsapp_delivery_batch() {
    metrics::counter!("quire_whatsapp_delivery_batches_total").increment(1);
}

/// Every request's one layer of bookkeeping: its id (the client's `x-request-id` if it sent
/// a short, plain one, else a new UUID), echoed in the response and carried by every log line of the request
/// (a span); a count and a timing by route template (never by raw path, which would let clients
/// create unbounded label values; for the same reason an unusual method counts as `other`); and
/// an error line for a server error. One hand-written layer instead of a stack of generic ones:
/// each layer of a router is cloned for every request.
pub async fn observe(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = if let Some(id) = request
        .headers()
        .get(REQUEST_ID)
        .filter(|id| safe_request_id(id))
    {
        id.clone()
    } else {
        let id = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
            .expect("a UUID is a valid header value");
        request.headers_mut().insert(REQUEST_ID, id.clone());
        id
    };
    let method = method_label(request.method());
    let route = request.extensions().get::<MatchedPath>().cloned();
    let span = tracing::info_span!(
        "request",
        request_id = id.to_str().unwrap_or("-"),
        method = %request.method(),
        path = request.uri().path(),
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    let took = started.elapsed();
    let status = response.status();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    let (count, time) = request_series(route, method, status.as_u16());
    count.increment(1);
    time.record(took.as_secs_f64());
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::error!(
                status = status.as_u16(),
                latency_ms = took.as_millis(),
                "response failed"
            );
        } else {
            tracing::debug!(
                status = status.as_u16(),
                latency_ms = took.as_millis(),
                "finished processing request"
            );
        }
    });
    response.headers_mut().entry(REQUEST_ID).or_insert(id);
    response
}

/// A client's request id goes into every log line and the answer: 1 to 64 characters of
/// `A-Z a-z 0-9 . _ -`, so it can neither flood the log nor forge or break its lines.
fn safe_request_id(id: &HeaderValue) -> bool {
    let id = id.as_bytes();
    (1..=64).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn method_label(method: &Method) -> &'static str {
    const KNOWN: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::PATCH, "PATCH"),
        (Method::DELETE, "DELETE"),
        (Method::HEAD, "HEAD"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    KNOWN
        .iter()
        .find(|(known, _)| known == method)
        .map_or("other", |(_, name)| name)
}

/// The request counter and timer of one route, method and status, found in the registry once:
/// building the labelled key and looking it up on every request cost about 2% of a request.
fn request_series(route: &str, method: &'static str, status: u16) -> (Counter, Histogram) {
    type Series = (&'static str, u16, Counter, Histogram);
    static SERIES: OnceLock<RwLock<HashMap<String, Vec<Series>>>> = OnceLock::new();
    let series = SERIES.get_or_init(|| {
        metrics_handle();
        RwLock::default()
    });
    let known = series.read().unwrap_or_else(PoisonError::into_inner);
    let found = known.get(route).and_then(|list| {
        list.iter()
            .find(|(m, s, ..)| *m == method && *s == status)
            .map(|(.., count, time)| (count.clone(), time.clone()))
    });
    drop(known);
    if let Some(found) = found {
        return found;
    }
    let labels = [
        ("method", method.to_owned()),
        ("route", route.to_owned()),
        ("status", status.to_string()),
    ];
    let count = metrics::counter!("quire_http_requests_total", &labels);
    let time = metrics::histogram!("quire_http_request_duration_seconds", &labels);
    series
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(route.to_owned())
        .or_default()
        .push((method, status, count.clone(), time.clone()));
    (count, time)
}
