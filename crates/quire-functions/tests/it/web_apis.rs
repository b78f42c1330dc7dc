//! The Web APIs every function has, each exercised from JavaScript.

use std::sync::Arc;

use quire_functions::{HttpRequest, Invocation, MemoryKv};
use serde_json::json;

use crate::{function, run, run_json, runtime};

#[tokio::test]
async fn headers_request_and_response() {
    let body = run_json(
        r#"async function handler(request) {
          const h = new Headers({ "X-One": "1" });
          h.append("x-one", "2"); h.set("Content-Type", "text/plain");
          let badName = false; try { h.set("bad name", "x"); } catch (e) { badName = e instanceof TypeError; }
          const req = new Request("https://example.test/a?b=1", { method: "put", headers: [["a", "b"]], body: "payload" });
          const clone = req.clone();
          const res = new Response("hi", { status: 201, headers: { "x-r": "y" } });
          let badStatus = false; try { new Response("", { status: 99 }); } catch (e) { badStatus = e instanceof RangeError; }
          const json = Response.json({ a: 1 });
          return {
            one: h.get("X-ONE"), has: h.has("content-type"), keys: [...h.keys()], badName,
            method: req.method, url: req.url, reqHeader: req.headers.get("A"),
            text: await req.text(), used: req.bodyUsed, cloneText: await clone.text(),
            incoming: { method: request.method, ct: request.headers.get("content-type"), url: request.url },
            status: res.status, ok: res.ok, resText: await res.text(), resHeader: res.headers.get("X-R"),
            badStatus, jsonType: json.headers.get("content-type"), jsonBody: await json.json(),
            redirect: Response.redirect("https://x.test/", 301).headers.get("location"),
            bytes: Array.from(await new Response(new Uint8Array([1, 2, 3])).bytes()),
          };
        }"#,
        json!({"p": 1}),
    )
    .await;
    assert_eq!(
        body,
        json!({
            "one": "1, 2", "has": true, "keys": ["content-type", "x-one"], "badName": true,
            "method": "PUT", "url": "https://example.test/a?b=1", "reqHeader": "b",
            "text": "payload", "used": true, "cloneText": "payload",
            "incoming": {"method": "POST", "ct": "application/json", "url": "https://functions.quire.test/f"},
            "status": 201, "ok": true, "resText": "hi", "resHeader": "y",
            "badStatus": true, "jsonType": "application/json", "jsonBody": {"a": 1},
            "redirect": "https://x.test/", "bytes": [1, 2, 3]
        })
    );
}

#[tokio::test]
async fn url_and_url_search_params() {
    let body = run_json(
        r#"function handler() {
          const u = new URL("/path/x?q=1&q=2#frag", "https://user:pw@Example.COM:8443/base/");
          const sp = u.searchParams;
          sp.append("space", "a b&c");
          const p = new URLSearchParams({ z: "1", a: "2" });
          p.sort();
          let invalid = false; try { new URL("not a url"); } catch (e) { invalid = e instanceof TypeError; }
          const v = new URL("http://x.test/");
          v.pathname = "/new path"; v.hash = "h"; v.port = "8080";
          return {
            href: u.href, protocol: u.protocol, host: u.host, hostname: u.hostname, port: u.port,
            pathname: u.pathname, search: u.search, hash: u.hash, origin: u.origin,
            username: u.username, password: u.password, all: sp.getAll("q"), invalid,
            sorted: p.toString(), parsed: new URLSearchParams("?a=%20x+y&b=%E2%9C%93").get("a") + "|" + new URLSearchParams("b=%E2%9C%93").get("b"),
            set: v.href, canParse: URL.canParse("https://ok.test"), json: JSON.stringify({ u: new URL("https://j.test") }),
          };
        }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        body,
        json!({
            "href": "https://user:pw@example.com:8443/path/x?q=1&q=2&space=a+b%26c#frag",
            "protocol": "https:", "host": "example.com:8443", "hostname": "example.com", "port": "8443",
            "pathname": "/path/x", "search": "?q=1&q=2&space=a+b%26c", "hash": "#frag",
            "origin": "https://example.com:8443", "username": "user", "password": "pw",
            "all": ["1", "2"], "invalid": true, "sorted": "a=2&z=1", "parsed": " x y|✓",
            "set": "http://x.test:8080/new%20path#h", "canParse": true, "json": "{\"u\":\"https://j.test/\"}"
        })
    );
}

#[tokio::test]
async fn text_encoding_and_base64() {
    let body = run_json(
        r#"function handler() {
          const bytes = new TextEncoder().encode("héllo ✓ 😀");
          const back = new TextDecoder().decode(bytes);
          const lossy = new TextDecoder().decode(new Uint8Array([0x61, 0xff, 0x62]));
          let fatal = false; try { new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xc3])); } catch (e) { fatal = e instanceof TypeError; }
          let latin = false; try { btoa("✓"); } catch (e) { latin = e.name === "InvalidCharacterError"; }
          return { len: bytes.length, back, lossy, fatal, b64: btoa("hello\u00ff"), un: atob("aGVsbG8="), unpadded: atob("aGk"), latin,
                   into: new TextEncoder().encodeInto("ab✓", new Uint8Array(4)) };
        }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        body,
        json!({"len": 15, "back": "héllo ✓ 😀", "lossy": "a\u{fffd}b", "fatal": true, "b64": "aGVsbG//",
               "un": "hello", "unpadded": "hi", "latin": true, "into": {"read": 2, "written": 2}})
    );
}

#[tokio::test]
async fn crypto_timers_clone_and_console() {
    let outcome = run(
        r#"async function handler() {
          const id = crypto.randomUUID();
          const buf = crypto.getRandomValues(new Uint8Array(32));
          let quota = false; try { crypto.getRandomValues(new Uint8Array(70000)); } catch (e) { quota = e.name === "QuotaExceededError"; }
          const order = [];
          const cancelled = setTimeout(() => order.push("cancelled"), 5);
          clearTimeout(cancelled);
          setTimeout((x) => order.push(x), 10, "second");
          setTimeout(() => order.push("first"), 1);
          const t0 = Date.now();
          await new Promise((r) => setTimeout(r, 30));
          const original = { d: new Date(0), m: new Map([[1, { deep: [1, 2] }]]), s: new Set(["a"]) };
          original.self = original;
          const copy = structuredClone(original);
          let fnClone = false; try { structuredClone({ f() {} }); } catch (e) { fnClone = e.name === "DataCloneError"; }
          console.log("obj", { a: [1, "x"], n: null });
          console.warn("careful");
          return {
            uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id),
            random: buf.some((b) => b !== 0), quota, order, waited: Date.now() - t0 >= 25,
            cloneDistinct: copy !== original && copy.m.get(1) !== original.m.get(1),
            cloneCycle: copy.self === copy, cloneDate: copy.d instanceof Date && copy.d.getTime() === 0,
            cloneDeep: copy.m.get(1).deep, cloneSet: copy.s.has("a"), fnClone,
          };
        }"#,
        json!({}),
    )
    .await;
    let response = outcome.result.expect("function succeeds");
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(
        body,
        json!({"uuid": true, "random": true, "quota": true, "order": ["first", "second"], "waited": true,
               "cloneDistinct": true, "cloneCycle": true, "cloneDate": true, "cloneDeep": [1, 2],
               "cloneSet": true, "fnClone": true})
    );
    assert_eq!(
        outcome.logs,
        "obj { a: [ 1, \"x\" ], n: null }\n[warn] careful\n"
    );
}

#[tokio::test]
async fn binary_and_non_utf8_bodies_round_trip() {
    let outcome = run(
        "function handler() { return new Response(new Uint8Array([0, 255, 128, 10])); }",
        json!({}),
    )
    .await;
    assert_eq!(outcome.result.unwrap().body, vec![0, 255, 128, 10]);
    let outcome = run(
        "function handler() { return 'lone \\uD800 surrogate'; }",
        json!({}),
    )
    .await;
    assert_eq!(outcome.result.unwrap().text(), "lone \u{fffd} surrogate");
}

#[tokio::test]
async fn incoming_headers_are_lowercase_and_repeated_ones_joined() {
    let invocation = Invocation {
        request: HttpRequest {
            method: "POST".to_owned(),
            url: "https://functions.quire.test/f".to_owned(),
            headers: vec![
                ("X-Trace".to_owned(), "a".to_owned()),
                ("accept".to_owned(), "text/plain".to_owned()),
                ("x-trace".to_owned(), "b".to_owned()),
            ],
            body: b"{}".to_vec(),
        },
        secrets: Arc::default(),
        kv: Arc::new(MemoryKv::new()),
    };
    let f = function(
        "function handler(request) { return { trace: request.headers.get('x-trace'), \
         all: [...request.headers] }; }",
    );
    let outcome = runtime().invoke(&f, invocation).await;
    let body: serde_json::Value = serde_json::from_slice(&outcome.result.unwrap().body).unwrap();
    assert_eq!(
        body,
        json!({"trace": "a, b", "all": [["accept", "text/plain"], ["x-trace", "a, b"]]})
    );
}

#[tokio::test]
async fn response_headers_changed_after_construction_are_sent() {
    let outcome = run(
        "function handler() {\n\
           const r = new Response('hi', { headers: [['X-One', '1'], ['x-one', '2']] });\n\
           r.headers.set('X-Late', 'yes'); r.headers.delete('content-type');\n\
           const j = Response.json({ a: 1 }, { status: 201, headers: { 'content-type': 'application/vnd.x+json' } });\n\
           r.headers.set('x-json', j.headers.get('content-type') + ' ' + j.status);\n\
           return r;\n\
         }",
        json!({}),
    )
    .await;
    let response = outcome.result.unwrap();
    assert_eq!(
        response.headers,
        vec![
            ("x-one".to_owned(), "1, 2".to_owned()),
            ("x-late".to_owned(), "yes".to_owned()),
            ("x-json".to_owned(), "application/vnd.x+json 201".to_owned()),
        ]
    );
    assert_eq!(response.text(), "hi");
}

#[tokio::test]
async fn web_apis_print_as_native_code_and_their_stack_frames_keep_line_numbers() {
    let body = run_json(
        r#"function handler() {
          let frame = "";
          try { new Response("", { status: 99 }); } catch (e) { frame = e.stack.split("\n")[0]; }
          return {
            response: String(Response), fetch: String(fetch), json: String(Response.json),
            frame: frame.replace(/:\d+:\d+\)$/, ":<line>:<column>)"),
          };
        }"#,
        json!({}),
    )
    .await;
    // Like a browser's built-ins: the shim's source text is not part of its bytecode.
    assert_eq!(
        body,
        json!({
            "response": "function Response() {\n    [native code]\n}",
            "fetch": "function fetch() {\n    [native code]\n}",
            "json": "function json() {\n    [native code]\n}",
            "frame": "    at Response (quire:shim:<line>:<column>)",
        })
    );
}
