#!/usr/bin/env bash
# The bridge round trip in a real browser: a published page's button → kapso.invokeFunction →
# host bridge → POST …/invoke → a deployed function → the answer rendered in the page. Median
# of 20 clicks on loopback (the first, which warms the function's isolate, is not counted).
# Runs the timing test of e2e/tests/bridge.test.js against a debug build, as scripts/e2e does.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --locked --bin quire
output=$(QUIRE_BIN="$PWD/target/debug/quire" node --test --test-name-pattern="round trip" e2e/tests/bridge.test.js) || {
  echo "$output"
  exit 1
}
grep -m1 "bridge round trip" <<<"$output"
