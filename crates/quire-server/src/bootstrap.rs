//! First start: with no users yet, create an owner and a first project, so a new install is
//! usable at once. `--demo` adds demo content on top: a function, pages, and an inbox.

use quire_store::{Store, StoreError};

use crate::auth::password;
use crate::inbox::demo;
use crate::inbox::secrets::ConnectionSecret;

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
    #[error("could not seed the demo inbox: {0}")]
    Demo(String),
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
    let lookup = DemoFunction {
        name: "Demo order lookup",
        slug: "your-function-slug",
        code: DEMO_FUNCTION,
    };
    let orders = DemoFunction {
        name: "Orders",
        slug: "orders",
        code: DEMO_ORDERS_FUNCTION,
    };
    for function in [lookup, orders] {
        seed_demo_function(store, &project.id, &owner, &function).await?;
    }
    Ok(())
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

/// The code of the demo function `orders`, which the demo page `orders` shows: the week's
/// orders of a shop, and refunds kept in the project's KV.
pub const DEMO_ORDERS_FUNCTION: &str = include_str!("demo/orders.js");

/// The demo page `orders`: the week's orders with totals, a filter and refunds.
const DEMO_ORDERS_PAGE: &str = include_str!("demo/orders.tsx");

/// The demo page `customer`, in the inbox's Page tab: the open conversation's customer and
/// their orders, with refunds.
const DEMO_CUSTOMER_PAGE: &str = include_str!("demo/customer.tsx");

/// A function the demo adds, deployed.
struct DemoFunction {
    name: &'static str,
    slug: &'static str,
    code: &'static str,
}

/// Adds `function` to the demo project, deployed.
async fn seed_demo_function(
    store: &Store,
    project_id: &str,
    owner: &str,
    function: &DemoFunction,
) -> Result<(), StoreError> {
    let function = store
        .create_function(&quire_store::NewFunction {
            project_id,
            name: function.name,
            slug: function.slug,
            code: function.code,
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

/// The demo page of `quire serve --demo`, added once: `orders` in the `demo` project, which
/// shows what the function `orders` answers, published. It compiles, so it runs once the state
/// exists; a build that fails (no npm registry in reach) leaves a draft and a warning saying
/// why. Answers whether the page is published.
pub async fn seed_demo_page(state: &crate::AppState) -> Result<bool, StoreError> {
    let Some(project) = state.store.project("demo").await? else {
        return Ok(false);
    };
    let page = DemoPage {
        source: DEMO_ORDERS_PAGE,
        name: "Orders",
        slug: "orders",
        description: "Demo: the week's orders from the function orders, with totals and refunds",
        inbox_mount: false,
    };
    seed_page(state, &project.id, &page).await
}

/// The demo inbox of `quire serve --demo`, added once to the `demo` project: a connected
/// WhatsApp number with six conversations (see [`crate::inbox::demo`]), and the page
/// `customer` (the contact's orders, from the function `orders`) mounted in the inbox sidebar
/// and published, so the inbox and its Page tab are alive on first start. Answers whether the
/// inbox was seeded now.
pub async fn seed_demo_inbox(state: &crate::AppState) -> Result<bool, BootstrapError> {
    let store = &state.store;
    let Some(project) = store.project("demo").await? else {
        return Ok(false);
    };
    if !store.whatsapp_connections(&project.id).await?.is_empty() {
        return Ok(false);
    }
    let Some(owner) = store.first_user_id().await? else {
        return Ok(false);
    };
    let id = quire_store::new_id();
    let app_secret = ConnectionSecret::AppSecret.seal(
        &state.config.secret_key,
        &id,
        &crate::auth::tokens::random_token(32),
    );
    let verify_token = crate::auth::tokens::random_token(24);
    let connection = store
        .create_whatsapp_connection(
            &quire_store::NewWhatsappConnection {
                id: &id,
                project_id: &project.id,
                name: "Demo support line",
                phone_number_id: demo::DEMO_PHONE_NUMBER_ID,
                display_phone_number: Some(demo::DEMO_DISPLAY_NUMBER),
                verify_token: &verify_token,
                app_secret_sealed: &app_secret,
                access_token_sealed: None,
            },
            &owner,
        )
        .await?;
    demo::play(state, &connection)
        .await
        .map_err(|error| BootstrapError::Demo(error.to_string()))?;
    let page = DemoPage {
        source: DEMO_CUSTOMER_PAGE,
        name: "Customer",
        slug: "customer",
        description: "Demo: the open conversation's customer and their orders, in the inbox",
        inbox_mount: true,
    };
    seed_page(state, &project.id, &page).await?;
    Ok(true)
}

/// A page the demo adds.
struct DemoPage {
    source: &'static str,
    name: &'static str,
    slug: &'static str,
    description: &'static str,
    inbox_mount: bool,
}

/// Adds `page` to the project once, built and published when the build works (else a draft,
/// with a warning saying why). Answers whether it is published.
async fn seed_page(
    state: &crate::AppState,
    project_id: &str,
    page: &DemoPage,
) -> Result<bool, StoreError> {
    let store = &state.store;
    if let Some(found) = store.page(project_id, page.slug).await? {
        return Ok(found.status == quire_store::PageStatus::Published);
    }
    let Some(owner) = store.first_user_id().await? else {
        return Ok(false);
    };
    let built = crate::pages::compile(
        state,
        project_id,
        page.source.to_owned(),
        std::collections::BTreeMap::default(),
        None,
    )
    .await?;
    let new = quire_store::NewPage {
        project_id,
        name: page.name,
        slug: page.slug,
        description: page.description,
        inbox_mount: page.inbox_mount,
    };
    let (created, version) = store
        .create_page(&new, Some(&built.version()), &owner)
        .await?;
    match version {
        Some(version) if version.build_ok => {
            store
                .publish_page(&created.id, version.number, &owner)
                .await?;
            Ok(true)
        }
        version => {
            // What the save stored is what the compiler reported.
            let diagnostics = version.map(|v| v.diagnostics).unwrap_or_default();
            tracing::warn!(
                page = page.slug,
                %diagnostics,
                "a demo page did not build, so it stays a draft; check the npm registry setting (QUIRE_NPM_REGISTRY) and save it again"
            );
            Ok(false)
        }
    }
}
