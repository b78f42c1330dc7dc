//! The compiled `kapso` bridge, taken from a real artifact and run in Node against a fake host
//! (`bridge.js`): handshake and nonce checks, invoke results and errors, timeouts, context
//! updates, console forwarding, resize, and the clear failure outside Quire. Needs `node`.

use std::process::Command;

use quire_compiler::CompileInput;
use quire_npm::NoProgress;

use crate::compiler;

async fn runtime_script() -> String {
    let input = CompileInput {
        source: "console.log(1);\n".to_owned(),
        ..CompileInput::default()
    };
    let output = compiler().compile(&input, &NoProgress).await;
    let html = output.artifact.expect("an artifact").html;
    let start = html.find("<script>").expect("the bridge script") + "<script>".len();
    let end = html[start..]
        .find("</script>")
        .expect("the bridge script ends")
        + start;
    html[start..end].to_owned()
}

fn run_node(scenario: &str, script: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kapso.js");
    std::fs::write(&path, script).unwrap();
    let harness = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/bridge.js");
    let out = Command::new("node")
        .arg(harness)
        .arg(&path)
        .arg(scenario)
        .output()
        .expect("`node` runs (the bridge tests need Node.js on PATH)");
    assert!(
        out.status.success(),
        "bridge scenario {scenario} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn the_bridge_talks_the_protocol_with_a_host() {
    run_node("hosted", &runtime_script().await);
}

#[tokio::test]
async fn without_a_host_ready_rejects_with_a_clear_error() {
    run_node("standalone", &runtime_script().await);
}
