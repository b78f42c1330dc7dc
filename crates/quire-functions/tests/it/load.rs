//! Loading: syntax errors with position, missing handlers, imports, top-level throws, and the
//! absence of anything that reaches the host (`std`, `os`, `require`).

use quire_functions::{InvokeError, LoadError};
use serde_json::json;

use crate::{run, run_json, runtime};

#[tokio::test]
async fn a_syntax_error_reports_line_and_column() {
    let err = runtime()
        .validate("function handler() {\n  return 1 +;\n}\n")
        .await
        .unwrap_err();
    let LoadError::Syntax {
        message,
        line,
        column,
    } = &err
    else {
        panic!("expected a syntax error, got {err:?}");
    };
    assert!(message.starts_with("SyntaxError"), "{message}");
    assert_eq!(*line, 2);
    assert!(*column > 0);
    assert!(err.to_string().contains("at line 2, column"), "{err}");
}

#[tokio::test]
async fn a_syntax_error_at_call_time_is_a_load_error() {
    let outcome = run("function handler( {", json!({})).await;
    assert!(
        matches!(
            outcome.result,
            Err(InvokeError::Load(LoadError::Syntax { line: 1, .. }))
        ),
        "{:?}",
        outcome.result
    );
}

#[tokio::test]
async fn code_without_a_handler_is_refused() {
    let rt = runtime();
    assert_eq!(rt.validate("const x = 1;").await, Err(LoadError::NoHandler));
    assert_eq!(
        rt.validate("export default { notFetch() {} };").await,
        Err(LoadError::NoHandler)
    );
    let err = rt.validate("function handlr() {}").await.unwrap_err();
    assert!(
        err.to_string()
            .contains("async function handler(request, env)"),
        "{err}"
    );
}

#[tokio::test]
async fn valid_code_passes_validation() {
    let rt = runtime();
    assert_eq!(
        rt.validate("async function handler() { return 1; }").await,
        Ok(())
    );
    assert_eq!(
        rt.validate("export default { fetch() { return 1; } };")
            .await,
        Ok(())
    );
}

#[tokio::test]
async fn importing_a_module_fails_clearly() {
    let err = runtime()
        .validate("import _ from 'lodash';\nexport default { fetch() { return 1; } };")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        LoadError::Import {
            specifier: "lodash".to_owned()
        }
    );
    assert!(
        err.to_string()
            .contains("cannot import \"lodash\": a function is a single file")
    );

    let outcome = run(
        "async function handler() { await import('./other.js'); }",
        json!({}),
    )
    .await;
    let err = outcome.result.unwrap_err().to_string();
    assert!(err.contains("imports are not available"), "{err}");
}

#[tokio::test]
async fn a_throwing_top_level_is_a_load_error() {
    let err = runtime()
        .validate("throw new Error('boom');\nfunction handler() {}")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LoadError::Threw { message, .. } if message == "boom"),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_host_plumbing_is_not_visible() {
    let body = run_json(
        "function handler() { return { quire: typeof __quire, host: typeof __quire_host, \
         globals: Object.getOwnPropertyNames(globalThis).filter((n) => n.includes('quire')) }; }",
        json!({}),
    )
    .await;
    assert_eq!(
        body,
        json!({"quire": "undefined", "host": "undefined", "globals": []})
    );
}

#[tokio::test]
async fn no_host_module_or_require_is_reachable() {
    let body = run_json(
        "function handler() { return { std: typeof std, os: typeof os, require: typeof require, \
         process: typeof process, Deno: typeof Deno, scriptArgs: typeof scriptArgs }; }",
        json!({}),
    )
    .await;
    assert_eq!(
        body,
        json!({"std": "undefined", "os": "undefined", "require": "undefined",
               "process": "undefined", "Deno": "undefined", "scriptArgs": "undefined"})
    );
    let outcome = run(
        "async function handler() { return await import('std'); }",
        json!({}),
    )
    .await;
    assert!(outcome.result.is_err());
    let outcome = run(
        "async function handler() { return await import('os'); }",
        json!({}),
    )
    .await;
    assert!(outcome.result.is_err());
}
