//! First start: with no users yet, create an owner and a first project, so a new install is
//! usable at once. `--demo` adds demo content on top.

use quire_store::{Store, StoreError};

use crate::auth::password;

/// The account made on first start; the password is set only when it was generated.
pub struct FirstOwner {
    pub email: String,
    pub generated_password: Option<String>,
    pub project_slug: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("QUIRE_ADMIN_PASSWORD is too weak: {0}")]
    WeakPassword(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub const DEFAULT_ADMIN_EMAIL: &str = "admin@localhost";

/// Creates the first owner and project when the store has no users; otherwise does nothing.
pub async fn ensure_first_owner(
    store: &Store,
    email: Option<&str>,
    given_password: Option<&str>,
) -> Result<Option<FirstOwner>, BootstrapError> {
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let email = email.unwrap_or(DEFAULT_ADMIN_EMAIL).to_owned();
    let (password, generated) = match given_password {
        Some(given) => {
            password::check_strength(given).map_err(BootstrapError::WeakPassword)?;
            (given.to_owned(), false)
        }
        None => (password::generate(), true),
    };
    let hash = password::hash(password.clone()).await;
    let user = store.create_user(&email, "Admin", &hash).await?;
    let project = store
        .create_project("default", "My project", &user.id)
        .await?;
    Ok(Some(FirstOwner {
        email: user.email,
        generated_password: generated.then_some(password),
        project_slug: project.slug,
    }))
}

/// Demo content for `quire serve --demo`, added once: a `demo` project owned by the first owner.
pub async fn seed_demo(store: &Store) -> Result<(), StoreError> {
    if store.project("demo").await?.is_some() {
        return Ok(());
    }
    let Some(owner) = store.first_user_id().await? else {
        return Ok(());
    };
    let project = store.create_project("demo", "Demo project", &owner).await?;
    seed_demo_function(store, &project.id, &owner).await
}

/// The code of the demo function `your-function-slug`: an order for the payload's `id`, with
/// the viewer the server put in the request.
pub const DEMO_FUNCTION: &str = r#"async function handler(request, env) {
  const { id } = await request.json();
  return Response.json({
    id,
    name: "Demo order",
    status: "paid",
    viewer: request.headers.get("x-quire-viewer"),
  });
}
"#;

/// Adds the deployed demo function `your-function-slug` to the demo project.
async fn seed_demo_function(
    store: &Store,
    project_id: &str,
    owner: &str,
) -> Result<(), StoreError> {
    let function = store
        .create_function(&quire_store::NewFunction {
            project_id,
            name: "Demo order lookup",
            slug: "your-function-slug",
            code: DEMO_FUNCTION,
            load_error: None,
            public_endpoint: false,
            timeout_ms: crate::functions::DEFAULT_TIMEOUT_MS,
            memory_mb: crate::functions::DEFAULT_MEMORY_MB,
            author_id: owner,
        })
        .await?;
    store
        .deploy_function(&function.id, function.head_version, None, owner)
        .await?;
    Ok(())
}

/// The demo page of `quire serve --demo`, added once: `orders` in the `demo` project, built
/// from the dashboard template (it calls the function `your-function-slug`) and published.
/// It compiles, so it runs once the state exists; a build that fails (no npm registry in
/// reach) leaves a draft and a warning saying why. Answers whether the page is published.
pub async fn seed_demo_page(state: &crate::AppState) -> Result<bool, StoreError> {
    let store = &state.store;
    let Some(project) = store.project("demo").await? else {
        return Ok(false);
    };
    if let Some(page) = store.page(&project.id, "orders").await? {
        return Ok(page.status == quire_store::PageStatus::Published);
    }
    let Some(owner) = store.first_user_id().await? else {
        return Ok(false);
    };
    let source = crate::templates::find("dashboard")
        .map(|t| t.source.to_owned())
        .unwrap_or_default();
    let built =
        crate::pages::compile(state, source, std::collections::BTreeMap::default(), None).await;
    let new = quire_store::NewPage {
        project_id: &project.id,
        name: "Orders",
        slug: "orders",
        description: "Demo: loads an order from the function your-function-slug",
        inbox_mount: false,
    };
    let (page, version) = store
        .create_page(&new, Some(&built.version()), &owner)
        .await?;
    match version {
        Some(version) if version.build_ok => {
            store.publish_page(&page.id, version.number, &owner).await?;
            Ok(true)
        }
        version => {
            // What the save stored is what the compiler reported.
            let diagnostics = version.map(|v| v.diagnostics).unwrap_or_default();
            tracing::warn!(
                %diagnostics,
                "the demo page did not build, so it stays a draft; check the npm registry setting (QUIRE_NPM_REGISTRY) and save it again"
            );
            Ok(false)
        }
    }
}
