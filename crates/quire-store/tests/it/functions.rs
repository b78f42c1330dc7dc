//! Functions, their versions, deploy state, secrets, the project KV and the invocation log.

use quire_store::{
    CallCount, CallTotals, FunctionChanges, FunctionStatus, InvocationRecord, NewFunction, Store,
    StoreError, hour_of,
};

use crate::each_backend;

async fn owner_and_project(store: &Store, slug: &str) -> (String, String) {
    let user = store
        .create_user(&format!("{slug}@example.com"), "Owner", "h")
        .await
        .unwrap();
    let project = store.create_project(slug, "P", &user.id).await.unwrap();
    (user.id, project.id)
}

fn new_function<'a>(project_id: &'a str, slug: &'a str, author_id: &'a str) -> NewFunction<'a> {
    NewFunction {
        project_id,
        name: "Orders",
        slug,
        code: "async function handler() { return 1; }",
        load_error: None,
        public_endpoint: false,
        timeout_ms: 30_000,
        memory_mb: 128,
        author_id,
    }
}

#[tokio::test]
async fn a_function_moves_through_draft_deployed_and_error() {
    each_backend(|store| async move {
        let (user, project) = owner_and_project(&store, "acme").await;
        let function = store
            .create_function(&new_function(&project, "orders", &user))
            .await
            .unwrap();
        assert_eq!(function.status, FunctionStatus::Draft);
        assert_eq!(function.head_version, 1);
        assert_eq!(function.deployed_version, None);
        assert!(!function.public_endpoint);

        let clash = store
            .create_function(&new_function(&project, "orders", &user))
            .await
            .unwrap_err();
        assert!(matches!(clash, StoreError::Conflict { .. }), "{clash}");
        assert!(clash.to_string().contains("orders"), "{clash}");

        let deployed = store
            .deploy_function(&function.id, 1, None, &user)
            .await
            .unwrap();
        assert_eq!(deployed.status, FunctionStatus::Deployed);
        assert_eq!(deployed.deployed_version, Some(1));

        let (edited, version) = store
            .put_function_code(&function.id, "syntax error(", Some("bad"), &user)
            .await
            .unwrap();
        assert_eq!(version.number, 2);
        assert_eq!(version.load_error.as_deref(), Some("bad"));
        assert_eq!(edited.status, FunctionStatus::Draft);
        assert_eq!(edited.deployed_version, Some(1), "version 1 keeps serving");

        let failed = store
            .deploy_function(&function.id, 2, Some("bad at line 1"), &user)
            .await
            .unwrap();
        assert_eq!(failed.status, FunctionStatus::Error);
        assert_eq!(failed.deploy_error.as_deref(), Some("bad at line 1"));
        assert_eq!(failed.deployed_version, Some(1));

        // Saving exactly the deployed code again keeps the function deployed.
        let (same, _) = store
            .put_function_code(
                &function.id,
                "async function handler() { return 1; }",
                None,
                &user,
            )
            .await
            .unwrap();
        assert_eq!(same.status, FunctionStatus::Deployed);
        assert_eq!(same.head_version, 3);
        assert_eq!(same.deploy_error, None);

        let missing = store
            .deploy_function(&function.id, 9, None, &user)
            .await
            .unwrap_err();
        assert!(matches!(missing, StoreError::NotFound { .. }), "{missing}");

        let numbers: Vec<i64> = store
            .function_versions(&function.id)
            .await
            .unwrap()
            .iter()
            .map(|v| v.number)
            .collect();
        assert_eq!(numbers, [3, 2, 1]);
        assert_eq!(
            store
                .function_version(&function.id, 2)
                .await
                .unwrap()
                .unwrap()
                .code,
            "syntax error("
        );

        let actions: Vec<String> = store
            .audit_log(&project, None, 20)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions
                .iter()
                .filter(|a| a.as_str() == "function.deploy")
                .count(),
            2
        );
        assert!(actions.contains(&"function.create".to_owned()));
    })
    .await;
}

#[tokio::test]
async fn a_function_is_found_by_id_or_slug_in_its_project_only() {
    each_backend(|store| async move {
        let (user, project) = owner_and_project(&store, "acme").await;
        let function = store
            .create_function(&new_function(&project, "orders", &user))
            .await
            .unwrap();
        let by_slug = store.function(&project, "orders").await.unwrap().unwrap();
        let by_id = store
            .function(&project, &function.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(by_slug.id, by_id.id);
        let (_, elsewhere) = owner_and_project(&store, "other").await;
        assert!(
            store
                .function(&elsewhere, "orders")
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

#[tokio::test]
async fn settings_change_and_delete_cascades() {
    each_backend(|store| async move {
        let (user, project) = owner_and_project(&store, "acme").await;
        let first = store
            .create_function(&new_function(&project, "first", &user))
            .await
            .unwrap();
        store
            .create_function(&new_function(&project, "second", &user))
            .await
            .unwrap();
        let changed = store
            .update_function(
                &first.id,
                &FunctionChanges {
                    public_endpoint: Some(true),
                    timeout_ms: Some(500),
                    memory_mb: Some(64),
                    ..FunctionChanges::default()
                },
                &user,
            )
            .await
            .unwrap();
        assert!(changed.public_endpoint);
        assert_eq!((changed.timeout_ms, changed.memory_mb), (500, 64));
        assert_eq!(changed.name, "Orders", "unchanged fields stay");
        let clash = store
            .update_function(
                &first.id,
                &FunctionChanges {
                    slug: Some("second"),
                    ..FunctionChanges::default()
                },
                &user,
            )
            .await
            .unwrap_err();
        assert!(clash.is_conflict(), "{clash}");
        let slugs: Vec<String> = store
            .functions(&project)
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.slug)
            .collect();
        assert_eq!(slugs, ["first", "second"]);

        store
            .set_function_secret(&project, &first.id, "KEY", "sealed-1", &user)
            .await
            .unwrap();
        store
            .record_invocation(&record(&first.id, 1))
            .await
            .unwrap();
        store.delete_function(&first.id, &user).await.unwrap();
        assert!(store.function(&project, "first").await.unwrap().is_none());
        assert!(store.function_versions(&first.id).await.unwrap().is_empty());
        assert!(
            store
                .function_secrets_sealed(&first.id)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .function_invocations(&first.id, None, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            store.delete_function(&first.id, &user).await,
            Err(StoreError::NotFound { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn secrets_are_replaced_listed_by_name_and_deleted() {
    each_backend(|store| async move {
        let (user, project) = owner_and_project(&store, "acme").await;
        let function = store
            .create_function(&new_function(&project, "f", &user))
            .await
            .unwrap();
        store
            .set_function_secret(&project, &function.id, "B", "sealed-b", &user)
            .await
            .unwrap();
        store
            .set_function_secret(&project, &function.id, "A", "sealed-a1", &user)
            .await
            .unwrap();
        store
            .set_function_secret(&project, &function.id, "A", "sealed-a2", &user)
            .await
            .unwrap();
        let names: Vec<String> = store
            .function_secret_names(&function.id)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(
            store.function_secrets_sealed(&function.id).await.unwrap(),
            [
                ("A".to_owned(), "sealed-a2".to_owned()),
                ("B".to_owned(), "sealed-b".to_owned())
            ]
        );
        store
            .delete_function_secret(&project, &function.id, "A", &user)
            .await
            .unwrap();
        assert!(matches!(
            store
                .delete_function_secret(&project, &function.id, "A", &user)
                .await,
            Err(StoreError::NotFound { .. })
        ));
        let log = store.audit_log(&project, None, 10).await.unwrap();
        assert_eq!(log[0].action, "function.secret_delete");
        assert!(
            log.iter()
                .all(|e| !e.details.to_string().contains("sealed")),
            "values stay out of the audit log"
        );
    })
    .await;
}

#[tokio::test]
async fn kv_is_per_project_with_expiry_and_prefixes() {
    each_backend(|store| async move {
        let (_, a) = owner_and_project(&store, "a").await;
        let (_, b) = owner_and_project(&store, "b").await;
        store.kv_put(&a, "user:1", "ada", None).await.unwrap();
        store.kv_put(&a, "user:2", "bob", None).await.unwrap();
        store
            .kv_put(&a, "user_3", "underscore", None)
            .await
            .unwrap();
        store.kv_put(&a, "User:4", "upper", None).await.unwrap();
        store.kv_put(&b, "user:1", "b's", None).await.unwrap();
        assert_eq!(
            store.kv_get(&a, "user:1").await.unwrap().as_deref(),
            Some("ada")
        );
        assert_eq!(
            store.kv_get(&b, "user:1").await.unwrap().as_deref(),
            Some("b's")
        );
        store.kv_put(&a, "user:1", "ada2", None).await.unwrap();
        assert_eq!(
            store.kv_get(&a, "user:1").await.unwrap().as_deref(),
            Some("ada2")
        );
        assert_eq!(
            store.kv_list(&a, "user:", 10).await.unwrap(),
            ["user:1", "user:2"],
            "prefixes are literal and case-sensitive"
        );
        assert_eq!(
            store.kv_list(&a, "user%", 10).await.unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            store.kv_list(&a, "", 2).await.unwrap(),
            ["User:4", "user:1"]
        );
        assert_eq!(store.kv_list(&b, "", 10).await.unwrap(), ["user:1"]);

        let past = quire_store::now_ms() - 1;
        store.kv_put(&a, "gone", "x", Some(past)).await.unwrap();
        store.kv_put(&b, "gone", "x", Some(past)).await.unwrap();
        store
            .kv_put(&a, "later", "x", Some(quire_store::now_ms() + 60_000))
            .await
            .unwrap();
        assert_eq!(
            store.kv_get(&a, "later").await.unwrap().as_deref(),
            Some("x")
        );
        assert!(store.kv_list(&a, "gone", 10).await.unwrap().is_empty());
        assert_eq!(store.kv_get(&a, "gone").await.unwrap(), None, "and swept");
        assert_eq!(store.kv_sweep_project(&a).await.unwrap(), 0);
        assert_eq!(
            store.kv_sweep_expired().await.unwrap(),
            1,
            "b's expired key"
        );

        store.kv_delete(&a, "user:1").await.unwrap();
        store.kv_delete(&a, "never-there").await.unwrap();
        assert_eq!(store.kv_get(&a, "user:1").await.unwrap(), None);
        assert_eq!(
            store.kv_get(&b, "user:1").await.unwrap().as_deref(),
            Some("b's")
        );
    })
    .await;
}

fn record(function_id: &str, started_at: i64) -> InvocationRecord {
    InvocationRecord {
        id: String::new(),
        function_id: function_id.to_owned(),
        version: 1,
        via: "api".to_owned(),
        started_at,
        duration_ms: 3,
        status: Some(200),
        ok: true,
        error_code: None,
        error: None,
        error_stack: None,
        logs: format!("call at {started_at}"),
        logs_truncated: false,
        request_bytes: 2,
        response_bytes: 10,
        public_link_id: None,
    }
}

#[tokio::test]
async fn a_batch_of_records_keeps_every_field_in_order() {
    each_backend(|store| async move {
        let (user, project) = owner_and_project(&store, "acme").await;
        let function = store
            .create_function(&new_function(&project, "f", &user))
            .await
            .unwrap();
        let mut odd = record(&function.id, 1_764_000_000_000);
        odd.version = 7;
        odd.via = "public".to_owned();
        odd.duration_ms = 29_999;
        odd.status = Some(503);
        odd.ok = false;
        odd.error_code = Some("function_error".to_owned());
        odd.error = Some("quotes \" and \\ and ünïcødé ✓".to_owned());
        odd.error_stack = Some("at handler (function.js:3:9)\n  at <anonymous>".to_owned());
        odd.logs = "line one\n\ttabbed\0after a NUL 🚀".to_owned();
        odd.logs_truncated = true;
        odd.request_bytes = 1_048_576;
        odd.response_bytes = 0;
        // More than one statement's worth, so the batch spans statements.
        let mut batch: Vec<InvocationRecord> =
            (0..600).map(|i| record(&function.id, 1000 + i)).collect();
        batch.push(odd.clone());
        let ids = store.record_invocations(&batch).await.unwrap();
        assert_eq!(ids.len(), 601);
        let newest = store
            .function_invocations(&function.id, None, 1000)
            .await
            .unwrap();
        assert_eq!(newest.len(), 601);
        let read = &newest[0];
        assert_eq!(read.id, ids[600]);
        assert_eq!(
            (
                read.version,
                read.via.as_str(),
                read.started_at,
                read.duration_ms
            ),
            (7, "public", odd.started_at, 29_999)
        );
        assert_eq!((read.status, read.ok), (Some(503), false));
        assert_eq!(read.error_code, odd.error_code);
        assert_eq!(read.error, odd.error);
        assert_eq!(read.error_stack, odd.error_stack);
        assert_eq!(read.logs, "line one\n\ttabbed\u{FFFD}after a NUL 🚀");
        assert!(read.logs_truncated);
        assert_eq!((read.request_bytes, read.response_bytes), (1_048_576, 0));
        let plain = &newest[1];
        assert_eq!(plain.started_at, 1599);
        assert_eq!(plain.status, Some(200));
        assert_eq!(
            (plain.error.as_deref(), plain.error_stack.as_deref()),
            (None, None)
        );
        assert!(plain.ok && !plain.logs_truncated);
    })
    .await;
}

#[tokio::test]
async fn call_counters_add_up_per_hour_with_the_records_and_the_last_call_is_the_newest() {
    each_backend(|store| async move {
        let (user, project) = owner_and_project(&store, "acme").await;
        let busy = store
            .create_function(&new_function(&project, "busy", &user))
            .await
            .unwrap();
        let idle = store
            .create_function(&new_function(&project, "idle", &user))
            .await
            .unwrap();
        let (_, other_project) = owner_and_project(&store, "other").await;
        let elsewhere = store
            .create_function(&new_function(&other_project, "busy", &user))
            .await
            .unwrap();
        let count = |function_id: &str, hour: i64, calls: i64, errors: i64| CallCount {
            function_id: function_id.to_owned(),
            hour,
            calls,
            errors,
        };
        let now = hour_of(100 * 3_600_000 + 5);
        assert_eq!(now, 100);
        let mut failed = record(&busy.id, 36_000_500);
        failed.ok = false;
        failed.status = Some(500);
        failed.error_code = Some("function_error".to_owned());
        // More calls counted than records written: records may be dropped, calls never are.
        store
            .record_calls(
                &[record(&busy.id, 36_000_100), failed],
                &[
                    count(&busy.id, now, 40, 3),
                    count(&busy.id, now - 30, 7, 7),
                    count(&elsewhere.id, now, 5, 0),
                ],
            )
            .await
            .unwrap();
        store
            .record_calls(&[], &[count(&busy.id, now, 2, 1)])
            .await
            .unwrap();

        let totals = store.call_totals(&project, now - 23).await.unwrap();
        assert_eq!(
            totals.get(&busy.id),
            Some(&CallTotals {
                calls: 42,
                errors: 4
            }),
            "the same hour adds up; the hour 30 before is out of the window"
        );
        assert_eq!(totals.get(&idle.id), None);
        assert_eq!(totals.len(), 1, "another project's function is not listed");
        let all = store.call_totals(&project, 0).await.unwrap();
        assert_eq!(all[&busy.id].calls, 49);

        let last = store.last_calls(&project).await.unwrap();
        assert_eq!(last.len(), 1, "only functions with a recorded call");
        assert_eq!(last[0].function_id, busy.id);
        assert_eq!(last[0].started_at, 36_000_500);
        assert!(!last[0].ok);
        assert_eq!(last[0].status, Some(500));
        assert_eq!(last[0].error_code.as_deref(), Some("function_error"));

        assert_eq!(store.prune_call_counts(&busy.id, now - 1).await.unwrap(), 1);
        assert_eq!(
            store.call_totals(&project, 0).await.unwrap()[&busy.id].calls,
            42
        );
        store.delete_function(&busy.id, &user).await.unwrap();
        assert!(store.call_totals(&project, 0).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn invocations_page_newest_first() {
    each_backend(|store| async move {
        let (user, project) = owner_and_project(&store, "acme").await;
        let function = store
            .create_function(&new_function(&project, "f", &user))
            .await
            .unwrap();
        // Two records share a millisecond: paging must neither skip nor repeat them.
        let batch: Vec<InvocationRecord> = [1000, 2000, 2000]
            .into_iter()
            .map(|at| record(&function.id, at))
            .collect();
        let ids = store.record_invocations(&batch).await.unwrap();
        assert_eq!(ids.len(), 3, "one transaction, three records");
        for at in [3000, 4000] {
            store
                .record_invocation(&record(&function.id, at))
                .await
                .unwrap();
        }
        let mut failed = record(&function.id, 5000);
        failed.ok = false;
        failed.status = None;
        failed.error_code = Some("function_timeout".to_owned());
        failed.error = Some("too slow".to_owned());
        failed.logs_truncated = true;
        store.record_invocation(&failed).await.unwrap();

        let first = store
            .function_invocations(&function.id, None, 2)
            .await
            .unwrap();
        assert_eq!(first[0].started_at, 5000);
        assert!(!first[0].ok);
        assert_eq!(first[0].status, None);
        assert_eq!(first[0].error_code.as_deref(), Some("function_timeout"));
        assert!(first[0].logs_truncated);
        assert_eq!(first[1].started_at, 4000);
        let mut seen: Vec<String> = first.iter().map(|r| r.id.clone()).collect();
        let mut before = first[1].id.clone();
        loop {
            let page = store
                .function_invocations(&function.id, Some(&before), 2)
                .await
                .unwrap();
            if page.is_empty() {
                break;
            }
            seen.extend(page.iter().map(|r| r.id.clone()));
            before = page.last().unwrap().id.clone();
        }
        assert_eq!(seen.len(), 6, "{seen:?}");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 6, "no record twice");
        assert!(matches!(
            store
                .function_invocations(&function.id, Some("nope"), 2)
                .await,
            Err(StoreError::NotFound { .. })
        ));

        assert_eq!(store.prune_invocations(&function.id, 3).await.unwrap(), 3);
        let kept: Vec<i64> = store
            .function_invocations(&function.id, None, 10)
            .await
            .unwrap()
            .iter()
            .map(|r| r.started_at)
            .collect();
        assert_eq!(kept, [5000, 4000, 3000], "the newest are kept");
        assert_eq!(store.prune_invocations(&function.id, 3).await.unwrap(), 0);
    })
    .await;
}
