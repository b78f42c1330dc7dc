//! The in-page `kapso` bridge (`bridge/page.ts`), compiled from TypeScript to a classic
//! script once per process and injected as the first script of every artifact.

use std::collections::BTreeSet;
use std::sync::Arc;

use rolldown::OutputFormat;
use tokio::sync::OnceCell;

use crate::bundle::{self, BundleRequest, Entry};
use crate::diagnostic::Diagnostic;

/// The bridge's TypeScript source, embedded so the binary needs no files beside it.
pub const BRIDGE_PAGE_TS: &str = include_str!("../../../bridge/page.ts");

static COMPILED: OnceCell<Arc<str>> = OnceCell::const_new();

/// The compiled bridge script.
pub(crate) async fn bridge_script() -> Result<Arc<str>, Vec<Diagnostic>> {
    COMPILED
        .get_or_try_init(|| async {
            let bundled = bundle::bundle(BundleRequest {
                entry: Entry::Memory {
                    source: BRIDGE_PAGE_TS.into(),
                    file: "bridge/page.ts".to_owned(),
                },
                node_modules: None,
                format: OutputFormat::Iife,
                vendor_react: false,
                deps_shims: BTreeSet::new(),
                assets: std::sync::Arc::default(),
            })
            .await?;
            Ok(Arc::from(bundled.js))
        })
        .await
        .cloned()
}
