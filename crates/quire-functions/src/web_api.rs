//! The Rust side of the Web APIs that the shim (`shim.js`) offers: console capture, `crypto`,
//! timers, base64, URL parsing, `fetch` and `env.KV`, and `register`, which keeps the shim's
//! entry points in the runtime's user data. Each function finds the invocation it serves
//! through the isolate's [`Slot`].

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig, general_purpose};
use rand::RngCore as _;
use rquickjs::function::Async;
use rquickjs::{Array, Ctx, Exception, Function, Object, Result, TypedArray, Value};
use url::quirks;

use crate::call_state::{CallState, Slot};
use crate::fetch::{FetchRequest, RedirectMode};

fn current(ctx: &Ctx<'_>, slot: &Slot) -> Result<Arc<CallState>> {
    slot.lock()
        .expect("slot lock")
        .clone()
        .ok_or_else(|| Exception::throw_internal(ctx, "no invocation is running"))
}

/// Builds the `host` object handed to the shim.
#[expect(
    clippy::too_many_lines,
    reason = "one flat list of small host functions reads best in one place"
)]
pub fn host_object<'js>(ctx: &Ctx<'js>, slot: &Slot) -> Result<Object<'js>> {
    let host = Object::new(ctx.clone())?;

    host.set(
        "register",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, entries: Array<'js>| {
            ctx.store_userdata(entries).map(drop).map_err(|_| {
                Exception::throw_internal(&ctx, "the shim's entry points could not be kept")
            })
        })?,
    )?;

    let s = slot.clone();
    host.set(
        "log",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, level: String, line: String| {
                let state = current(&ctx, &s)?;
                if state.log(&level, &line) {
                    return Ok(());
                }
                Err(Exception::throw_message(
                    &ctx,
                    &format!(
                        "console output is over the limit of {} bytes per call",
                        state.limits.max_log_bytes
                    ),
                ))
            },
        )?,
    )?;

    host.set(
        "uuid",
        Function::new(ctx.clone(), || uuid::Uuid::new_v4().to_string())?,
    )?;
    host.set(
        "randomBytes",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, len: usize| {
            let mut bytes = vec![0_u8; len.min(65536)];
            rand::thread_rng().fill_bytes(&mut bytes);
            TypedArray::<u8>::new(ctx, bytes)
        })?,
    )?;

    host.set(
        "btoa",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, data: String| {
            let bytes = data
                .chars()
                .map(|c| u8::try_from(u32::from(c)))
                .collect::<std::result::Result<Vec<u8>, _>>()
                .map_err(|_| {
                    Exception::throw_dom(
                        &ctx,
                        "InvalidCharacterError",
                        "btoa: the string contains characters outside of Latin1",
                    )
                })?;
            Ok::<_, rquickjs::Error>(general_purpose::STANDARD.encode(bytes))
        })?,
    )?;
    host.set(
        "atob",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, data: String| {
            // Forgiving base64: ASCII whitespace ignored, padding optional.
            let cleaned: String = data
                .chars()
                .filter(|c| !matches!(c, ' ' | '\t' | '\n' | '\x0c' | '\r'))
                .collect();
            let engine = GeneralPurpose::new(
                &base64::alphabet::STANDARD,
                GeneralPurposeConfig::new()
                    .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
                    .with_decode_allow_trailing_bits(true),
            );
            let bytes = engine.decode(cleaned).map_err(|_| {
                Exception::throw_dom(
                    &ctx,
                    "InvalidCharacterError",
                    "atob: the string is not valid base64",
                )
            })?;
            Ok::<_, rquickjs::Error>(bytes.into_iter().map(char::from).collect::<String>())
        })?,
    )?;

    host.set(
        "urlParse",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, href: String, base: Option<String>| {
                let parsed = match base {
                    Some(base) => url::Url::parse(&base).and_then(|base| base.join(&href)),
                    None => url::Url::parse(&href),
                };
                let url = parsed.map_err(|err| {
                    Exception::throw_type(&ctx, &format!("Invalid URL {href:?}: {err}"))
                })?;
                url_record(&ctx, &url)
            },
        )?,
    )?;
    host.set(
        "urlSet",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, href: String, field: String, value: String| {
                let mut url = url::Url::parse(&href)
                    .map_err(|err| Exception::throw_type(&ctx, &format!("Invalid URL: {err}")))?;
                // Setters ignore invalid values, as the URL standard says; only `href` throws.
                match field.as_str() {
                    "href" => {
                        url = url::Url::parse(&value).map_err(|err| {
                            Exception::throw_type(&ctx, &format!("Invalid URL {value:?}: {err}"))
                        })?;
                    }
                    "protocol" => drop(quirks::set_protocol(&mut url, &value)),
                    "username" => drop(quirks::set_username(&mut url, &value)),
                    "password" => drop(quirks::set_password(&mut url, &value)),
                    "host" => drop(quirks::set_host(&mut url, &value)),
                    "hostname" => drop(quirks::set_hostname(&mut url, &value)),
                    "port" => drop(quirks::set_port(&mut url, &value)),
                    "pathname" => quirks::set_pathname(&mut url, &value),
                    "search" => quirks::set_search(&mut url, &value),
                    "hash" => quirks::set_hash(&mut url, &value),
                    other => {
                        return Err(Exception::throw_type(
                            &ctx,
                            &format!("URL has no settable field {other}"),
                        ));
                    }
                }
                url_record(&ctx, &url)
            },
        )?,
    )?;

    let s = slot.clone();
    host.set(
        "sleep",
        Function::new(
            ctx.clone(),
            Async(move |ctx: Ctx<'js>, ms: f64| {
                let s = s.clone();
                async move {
                    let state = current(&ctx, &s)?;
                    let ms = if ms.is_finite() {
                        ms.clamp(0.0, 1e9)
                    } else {
                        0.0
                    };
                    let duration = Duration::from_secs_f64(ms / 1000.0);
                    if duration.is_zero() {
                        // The timer wheel's 1 ms tick would delay `setTimeout(f, 0)`.
                        return Ok(());
                    }
                    state
                        .guarded(tokio::time::sleep(duration))
                        .await
                        .map_err(|msg| Exception::throw_message(&ctx, msg))
                }
            }),
        )?,
    )?;

    let s = slot.clone();
    host.set(
        "fetch",
        Function::new(
            ctx.clone(),
            Async(
                move |ctx: Ctx<'js>,
                      method: String,
                      url: String,
                      headers: Vec<String>,
                      body: Option<String>,
                      redirect: String| {
                    let s = s.clone();
                    async move {
                        let state = current(&ctx, &s)?;
                        let request = FetchRequest {
                            method,
                            url,
                            headers: pairs(headers),
                            body: body.map(|b| binary_to_bytes(&b)),
                            redirect: match redirect.as_str() {
                                "manual" => RedirectMode::Manual,
                                "error" => RedirectMode::Error,
                                _ => RedirectMode::Follow,
                            },
                        };
                        let fetcher = state.fetcher.clone();
                        let max_body = state.limits.max_response_bytes;
                        let permit_state = state.clone();
                        let permit = move || permit_state.take_fetch_permit();
                        let response = state
                            .guarded(fetcher.fetch(request, max_body, &permit))
                            .await
                            .map_err(|msg| Exception::throw_type(&ctx, msg))?
                            .map_err(|err| Exception::throw_type(&ctx, &err.to_string()))?;
                        let out = Object::new(ctx.clone())?;
                        out.set("status", response.status)?;
                        out.set("statusText", response.status_text)?;
                        out.set("url", response.url)?;
                        out.set("redirected", response.redirected)?;
                        let flat: Vec<String> = response
                            .headers
                            .into_iter()
                            .flat_map(|(name, value)| [name, value])
                            .collect();
                        out.set("headers", flat)?;
                        out.set("body", TypedArray::<u8>::new(ctx.clone(), response.body)?)?;
                        Ok::<_, rquickjs::Error>(out)
                    }
                },
            ),
        )?,
    )?;

    install_kv(ctx, &host, slot)?;
    Ok(host)
}

fn install_kv<'js>(ctx: &Ctx<'js>, host: &Object<'js>, slot: &Slot) -> Result<()> {
    let s = slot.clone();
    host.set(
        "kvGet",
        Function::new(
            ctx.clone(),
            Async(move |ctx: Ctx<'js>, key: String| {
                let s = s.clone();
                async move {
                    let state = current(&ctx, &s)?;
                    check_key(&ctx, &key)?;
                    let kv = state.kv.clone();
                    // `null` for an absent key, as Workers KV (`None` would be `undefined`).
                    match kv_result(&ctx, state.guarded(kv.get(&key)).await)? {
                        Some(value) => {
                            Ok(rquickjs::String::from_str(ctx.clone(), &value)?.into_value())
                        }
                        None => Ok::<_, rquickjs::Error>(Value::new_null(ctx.clone())),
                    }
                }
            }),
        )?,
    )?;
    let s = slot.clone();
    host.set(
        "kvPut",
        Function::new(
            ctx.clone(),
            Async(
                move |ctx: Ctx<'js>, key: String, value: String, ttl: Option<f64>| {
                    let s = s.clone();
                    async move {
                        let state = current(&ctx, &s)?;
                        check_key(&ctx, &key)?;
                        let ttl = ttl
                            .filter(|t| t.is_finite() && *t > 0.0)
                            .map(|t| Duration::from_secs_f64(t.min(1e10)));
                        let kv = state.kv.clone();
                        kv_result(&ctx, state.guarded(kv.put(&key, &value, ttl)).await)
                    }
                },
            ),
        )?,
    )?;
    let s = slot.clone();
    host.set(
        "kvDelete",
        Function::new(
            ctx.clone(),
            Async(move |ctx: Ctx<'js>, key: String| {
                let s = s.clone();
                async move {
                    let state = current(&ctx, &s)?;
                    check_key(&ctx, &key)?;
                    let kv = state.kv.clone();
                    kv_result(&ctx, state.guarded(kv.delete(&key)).await)
                }
            }),
        )?,
    )?;
    let s = slot.clone();
    host.set(
        "kvList",
        Function::new(
            ctx.clone(),
            Async(move |ctx: Ctx<'js>, prefix: String, limit: usize| {
                let s = s.clone();
                async move {
                    let state = current(&ctx, &s)?;
                    let kv = state.kv.clone();
                    kv_result(&ctx, state.guarded(kv.list(&prefix, limit)).await)
                }
            }),
        )?,
    )?;
    Ok(())
}

/// Longest KV key, in bytes (as Workers KV).
const MAX_KEY_BYTES: usize = 512;

fn check_key(ctx: &Ctx<'_>, key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(Exception::throw_type(
            ctx,
            &format!(
                "KV key is {} bytes; a key must be 1 to {MAX_KEY_BYTES} bytes",
                key.len()
            ),
        ));
    }
    Ok(())
}

fn kv_result<T>(
    ctx: &Ctx<'_>,
    result: std::result::Result<std::result::Result<T, crate::kv::KvError>, &'static str>,
) -> Result<T> {
    result
        .map_err(|msg| Exception::throw_message(ctx, msg))?
        .map_err(|err| Exception::throw_message(ctx, &err.to_string()))
}

fn url_record<'js>(ctx: &Ctx<'js>, url: &url::Url) -> Result<Array<'js>> {
    let record = Array::new(ctx.clone())?;
    let origin = quirks::origin(url);
    let fields = [
        quirks::href(url),
        quirks::protocol(url),
        quirks::username(url),
        quirks::password(url),
        quirks::host(url),
        quirks::hostname(url),
        quirks::port(url),
        quirks::pathname(url),
        quirks::search(url),
        quirks::hash(url),
        origin.as_str(),
    ];
    for (i, field) in fields.into_iter().enumerate() {
        record.set(i, field)?;
    }
    Ok(record)
}

fn pairs(flat: Vec<String>) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(flat.len() / 2);
    let mut iter = flat.into_iter();
    while let (Some(name), Some(value)) = (iter.next(), iter.next()) {
        out.push((name, value));
    }
    out
}

/// Decodes the shim's binary strings (one code point 0-255 per byte).
pub fn binary_to_bytes(binary: &str) -> Vec<u8> {
    binary
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

/// Reads a `Value` that holds a string.
pub fn js_string(value: &Value<'_>) -> Option<Result<String>> {
    value.as_string().map(rquickjs::String::to_string)
}
