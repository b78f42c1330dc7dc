//! The page agent's model: any OpenAI-compatible chat completions endpoint (Ollama, llama.cpp's
//! server, vLLM, a hosted API), asked with `stream: true` and `stream_options.include_usage`.
//! The answer is read as server-sent events, each `data:` line a chunk whose
//! `choices[0].delta.content` continues the text, until `data: [DONE]`; token counts come in a
//! last chunk with empty `choices`, and are unknown when the server sends none. A request that
//! fails before any text came (no connection, 429, 5xx) is tried again after a pause. The key
//! goes only into the request's `Authorization` header: errors name the URL and the status,
//! never a header.

use std::time::Duration;

use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;

use crate::config::ModelEndpoint;

/// Tries per request: the first and two more after a pause, when the failure may pass.
const TRIES: u32 = 3;
/// Pauses before the second and third tries (a server's `Retry-After` counts, up to the cap).
const PAUSES: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(3)];
const MAX_RETRY_AFTER: Duration = Duration::from_secs(20);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the endpoint may take to answer the request at all (a local model may load first).
const ANSWER_TIMEOUT: Duration = Duration::from_mins(3);
/// How long the stream may go quiet between two chunks.
const IDLE_TIMEOUT: Duration = Duration::from_mins(2);
/// How much of an error body is repeated in a message.
const BODY_EXCERPT: usize = 300;

/// One message of the conversation sent to the model.
#[derive(Clone, Debug, Serialize)]
pub struct Message {
    pub role: &'static str,
    pub content: String,
}

impl Message {
    pub fn system(content: String) -> Self {
        Self {
            role: "system",
            content,
        }
    }
    pub fn user(content: String) -> Self {
        Self {
            role: "user",
            content,
        }
    }
    pub fn assistant(content: String) -> Self {
        Self {
            role: "assistant",
            content,
        }
    }
}

/// Token counts the endpoint reported for one answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// A whole answer.
#[derive(Debug)]
pub struct Reply {
    pub text: String,
    /// `None` when the endpoint sent no counts.
    pub usage: Option<Usage>,
}

/// What happened while asking, for the run's event stream.
pub enum Progress<'a> {
    /// The next piece of the answer.
    Text(&'a str),
    /// The request failed in a way that may pass; it is tried again after `wait`.
    Retrying { reason: String, wait: Duration },
}

/// Why no answer came.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("the model endpoint {url} could not be reached: {cause}")]
    Unreachable { url: String, cause: String },
    #[error("the model endpoint {url} answered HTTP {status}: {body}")]
    Status {
        url: String,
        status: u16,
        body: String,
    },
    #[error("the model endpoint {url} sent nothing for {secs} seconds")]
    Timeout { url: String, secs: u64 },
    #[error("the model endpoint {url} sent an answer that is not a chat completion: {what}")]
    Malformed { url: String, what: String },
}

/// A client for one endpoint.
#[derive(Clone)]
pub struct ChatModel {
    http: reqwest::Client,
    endpoint: ModelEndpoint,
    url: String,
}

impl ChatModel {
    pub fn new(endpoint: ModelEndpoint) -> Self {
        let base = endpoint.url.trim_end_matches('/');
        let url = if base.ends_with("/chat/completions") {
            base.to_owned()
        } else {
            format!("{base}/chat/completions")
        };
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .unwrap_or_default();
        Self {
            http,
            endpoint,
            url,
        }
    }

    pub fn model(&self) -> &str {
        &self.endpoint.model
    }

    /// Asks for one answer, streaming its text to `progress` as it comes.
    pub async fn complete(
        &self,
        messages: &[Message],
        progress: &mut (dyn FnMut(Progress<'_>) + Send),
    ) -> Result<Reply, ModelError> {
        let body = serde_json::json!({
            "model": self.endpoint.model,
            "messages": messages,
            "stream": true,
            "stream_options": { "include_usage": true },
        });
        let mut tries = 0;
        loop {
            tries += 1;
            let failure = match self.send(&body).await {
                Ok(response) => return self.read(response, progress).await,
                Err(failure) => failure,
            };
            let Retry::After(pause) = failure.retry else {
                return Err(failure.error);
            };
            if tries >= TRIES {
                return Err(failure.error);
            }
            let wait = pause.unwrap_or(PAUSES[(tries as usize - 1).min(PAUSES.len() - 1)]);
            progress(Progress::Retrying {
                reason: failure.error.to_string(),
                wait,
            });
            tokio::time::sleep(wait).await;
        }
    }

    async fn send(&self, body: &Value) -> Result<reqwest::Response, Failure> {
        let mut request = self.http.post(&self.url).json(body);
        if let Some(key) = &self.endpoint.api_key {
            request = request.bearer_auth(key);
        }
        let response = match tokio::time::timeout(ANSWER_TIMEOUT, request.send()).await {
            Err(_) => {
                return Err(Failure {
                    error: self.timeout(ANSWER_TIMEOUT),
                    retry: Retry::After(None),
                });
            }
            Ok(Err(error)) => {
                return Err(Failure {
                    error: ModelError::Unreachable {
                        url: self.url.clone(),
                        cause: error.without_url().to_string(),
                    },
                    retry: Retry::After(None),
                });
            }
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.trim().parse::<u64>().ok())
            .map(|secs| Duration::from_secs(secs).min(MAX_RETRY_AFTER));
        let text = tokio::time::timeout(Duration::from_secs(10), response.text())
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let may_pass = status.as_u16() == 429 || status.is_server_error();
        Err(Failure {
            error: ModelError::Status {
                url: self.url.clone(),
                status: status.as_u16(),
                body: excerpt(&text),
            },
            retry: if may_pass {
                Retry::After(retry_after)
            } else {
                Retry::Never
            },
        })
    }

    /// Reads a streamed answer; a server that ignored `stream` and sent one JSON body is read
    /// as it is.
    async fn read(
        &self,
        response: reqwest::Response,
        progress: &mut (dyn FnMut(Progress<'_>) + Send),
    ) -> Result<Reply, ModelError> {
        let is_json = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/json"));
        if is_json {
            let text = response
                .text()
                .await
                .map_err(|error| self.unreachable(&error))?;
            let reply = self.whole(&text)?;
            progress(Progress::Text(&reply.text));
            return Ok(reply);
        }
        let mut stream = response.bytes_stream();
        let mut events = EventReader::default();
        let mut reply = Reply {
            text: String::new(),
            usage: None,
        };
        loop {
            let chunk = match tokio::time::timeout(IDLE_TIMEOUT, stream.next()).await {
                Err(_) => return Err(self.timeout(IDLE_TIMEOUT)),
                Ok(None) => break,
                Ok(Some(Err(error))) => return Err(self.unreachable(&error)),
                Ok(Some(Ok(chunk))) => chunk,
            };
            for data in events.push(&chunk) {
                if data == "[DONE]" {
                    return Ok(reply);
                }
                self.chunk(&data, &mut reply, progress)?;
            }
        }
        // The connection ended without `[DONE]`: what came is the answer, if anything did.
        if let Some(data) = events.finish()
            && data != "[DONE]"
        {
            self.chunk(&data, &mut reply, progress)?;
        }
        if reply.text.is_empty() {
            return Err(self.malformed("the stream ended before any text"));
        }
        Ok(reply)
    }

    fn chunk(
        &self,
        data: &str,
        reply: &mut Reply,
        progress: &mut (dyn FnMut(Progress<'_>) + Send),
    ) -> Result<(), ModelError> {
        let chunk: Value = serde_json::from_str(data)
            .map_err(|_| self.malformed(&format!("a chunk is not JSON: {}", excerpt(data))))?;
        if let Some(error) = chunk.get("error") {
            return Err(ModelError::Status {
                url: self.url.clone(),
                status: 200,
                body: excerpt(&error.to_string()),
            });
        }
        if let Some(text) = chunk
            .pointer("/choices/0/delta/content")
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty())
        {
            reply.text.push_str(text);
            progress(Progress::Text(text));
        }
        if let Some(usage) = usage_of(&chunk) {
            reply.usage = Some(usage);
        }
        Ok(())
    }

    fn whole(&self, text: &str) -> Result<Reply, ModelError> {
        let body: Value = serde_json::from_str(text)
            .map_err(|_| self.malformed(&format!("the body is not JSON: {}", excerpt(text))))?;
        let content = body
            .pointer("/choices/0/message/content")
            .and_then(Value::as_str)
            .ok_or_else(|| self.malformed("no choices[0].message.content"))?;
        Ok(Reply {
            text: content.to_owned(),
            usage: usage_of(&body),
        })
    }

    fn timeout(&self, after: Duration) -> ModelError {
        ModelError::Timeout {
            url: self.url.clone(),
            secs: after.as_secs(),
        }
    }

    fn unreachable(&self, error: &reqwest::Error) -> ModelError {
        ModelError::Unreachable {
            url: self.url.clone(),
            cause: error.to_string(),
        }
    }

    fn malformed(&self, what: &str) -> ModelError {
        ModelError::Malformed {
            url: self.url.clone(),
            what: what.to_owned(),
        }
    }
}

/// A request that failed, and whether it may pass.
struct Failure {
    error: ModelError,
    retry: Retry,
}

enum Retry {
    /// Asking again would get the same answer (a 400, a 401…).
    Never,
    /// It may pass: after the server's `Retry-After`, when it sent one.
    After(Option<Duration>),
}

fn usage_of(value: &Value) -> Option<Usage> {
    let usage = value.get("usage")?;
    Some(Usage {
        prompt_tokens: usage.get("prompt_tokens")?.as_u64()?,
        completion_tokens: usage.get("completion_tokens")?.as_u64()?,
    })
}

fn excerpt(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(BODY_EXCERPT) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// Splits a server-sent event stream into the data of its events, whatever the chunks' edges
/// (also the CLI's reader of a run's events).
#[derive(Default)]
pub struct EventReader {
    pending: Vec<u8>,
    data: Option<String>,
}

impl EventReader {
    /// The data of every event `bytes` completes.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.pending.extend_from_slice(bytes);
        let mut done = Vec::new();
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                done.extend(self.data.take());
            } else if let Some(value) = line.strip_prefix("data:") {
                let value = value.strip_prefix(' ').unwrap_or(value);
                match &mut self.data {
                    Some(data) => {
                        data.push('\n');
                        data.push_str(value);
                    }
                    None => self.data = Some(value.to_owned()),
                }
            }
        }
        done
    }

    /// The event left open when the stream ended.
    fn finish(&mut self) -> Option<String> {
        self.push(b"\n\n").into_iter().next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_read_across_chunk_edges() {
        let mut reader = EventReader::default();
        assert!(reader.push(b"data: {\"a\"").is_empty());
        assert_eq!(reader.push(b":1}\r\n\r\ndata: [DO"), vec!["{\"a\":1}"]);
        assert_eq!(reader.push(b"NE]\n\n"), vec!["[DONE]"]);
        assert_eq!(reader.push(b": keep-alive\n\n"), Vec::<String>::new());
    }

    #[test]
    fn an_event_left_open_is_read_at_the_end() {
        let mut reader = EventReader::default();
        assert!(reader.push(b"data: x").is_empty());
        assert_eq!(reader.finish().as_deref(), Some("x"));
    }

    #[test]
    fn usage_needs_both_counts() {
        let chunk = serde_json::json!({"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 7}});
        assert_eq!(
            usage_of(&chunk),
            Some(Usage {
                prompt_tokens: 5,
                completion_tokens: 7
            })
        );
        assert_eq!(usage_of(&serde_json::json!({"choices": []})), None);
    }
}
