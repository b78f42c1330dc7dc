//! The app origin's routes: the REST API under `/api/v1` (described by the `OpenAPI` document
//! it serves) and the operational endpoints.

pub mod account;
pub mod agent;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod conversations;
pub mod events;
pub mod functions;
pub mod inbox_embeds;
pub mod invitations;
pub mod me;
pub mod members;
pub mod ops;
pub mod pages;
pub mod projects;
pub mod public;
pub mod public_links;
pub mod tokens;
pub mod views;
pub mod whatsapp;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Quire API", description = "Project pages, functions and the people who run them."),
    components(schemas(crate::errors::ErrorBody)),
    modifiers(&SecuritySchemes),
    security(("session" = []), ("bearer" = []))
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("quire_session"))),
        );
    }
}

/// The operations of a path, whatever their method.
fn operations(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}

/// Every operation's `default` response is the error body: any route may answer 400 for a bad
/// path or query, 401, 404, 413 or 415 for a body, or 429, and each of those is an
/// [`ErrorBody`](crate::errors::ErrorBody). An operation that documents its own `default` (a
/// function's answer, passed through) keeps it.
struct ErrorResponses;

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = ResponseBuilder::new()
            .description("an error: `error.code` says which, `error.message` says what to do")
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                operation
                    .responses
                    .responses
                    .entry("default".to_owned())
                    .or_insert_with(|| error.clone().into());
            }
        }
    }
}

/// Operation ids are unique, as `OpenAPI` requires and generated clients need. utoipa takes
/// a handler's name (`list`, `get`), which repeats across areas, so each is prefixed with the
/// resource its path ends in: `GET /projects/{p}/pages` → `pages_list`, `…/pages/{page}/versions`
/// → `pages_versions`.
struct OperationIds;

impl OperationIds {
    fn id(path: &str, handler: &str) -> String {
        let resources: Vec<String> = path
            .trim_start_matches("/api/v1/")
            .split('/')
            .filter(|segment| !segment.starts_with('{') && !segment.is_empty())
            .map(|segment| segment.replace(|c: char| !c.is_ascii_alphanumeric(), "_"))
            .collect();
        let resource = resources
            .iter()
            .rev()
            .find(|resource| handler != resource.as_str());
        match resource {
            Some(resource) if !handler.starts_with(resource.as_str()) => {
                format!("{resource}_{handler}")
            }
            _ => handler.to_owned(),
        }
    }
}

impl utoipa::Modify for OperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in &mut openapi.paths.paths {
            for operation in operations(item) {
                if let Some(id) = operation.operation_id.as_mut() {
                    *id = Self::id(path, id);
                }
            }
        }
    }
}

/// The API routes and the `OpenAPI` document generated from them.
#[expect(
    clippy::too_many_lines,
    reason = "one line per route: the list is the point"
)]
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(
            OpenApiRouter::new()
                .routes(routes!(auth::login::login))
                .layer(DefaultBodyLimit::max(auth::login::MAX_BODY_BYTES)),
        )
        .routes(routes!(auth::logout::logout))
        .routes(routes!(me::me, account::name::rename))
        .routes(routes!(audit::account::account))
        .routes(routes!(account::password::change))
        .routes(routes!(account::email::change))
        .routes(routes!(account::sign_out_everywhere::sign_out_everywhere))
        .routes(routes!(tokens::list::list, tokens::create::create))
        .routes(routes!(tokens::revoke::revoke))
        .routes(routes!(projects::list::list, projects::create::create))
        .routes(routes!(projects::get::get, projects::update::update))
        .routes(routes!(members::list::list))
        .routes(routes!(members::put::put, members::remove::remove))
        .routes(routes!(
            invitations::list::list,
            invitations::create::create
        ))
        .routes(routes!(invitations::revoke::revoke))
        .routes(routes!(invitations::show::show))
        .routes(routes!(invitations::accept::accept))
        .routes(routes!(audit::list::list))
        .routes(routes!(events::stream::stream))
        .routes(routes!(functions::list::list, functions::create::create))
        .routes(routes!(
            functions::get::get,
            functions::update::update,
            functions::delete::delete
        ))
        .routes(routes!(functions::put_code::put_code))
        .routes(routes!(functions::deploy::deploy))
        .routes(routes!(functions::versions::versions))
        .routes(routes!(functions::invocations::invocations))
        .routes(routes!(functions::test_run::test_run))
        .routes(routes!(functions::secrets::secrets))
        .routes(routes!(
            functions::put_secret::put_secret,
            functions::delete_secret::delete_secret
        ))
        .routes(routes!(
            functions::invoke::invoke,
            functions::invoke::preflight
        ))
        .routes(routes!(pages::list::list, pages::create::create))
        .routes(routes!(
            pages::get::get,
            pages::update::update,
            pages::delete::delete
        ))
        .routes(routes!(pages::save::save))
        .routes(routes!(pages::versions::versions))
        .routes(routes!(pages::versions::version))
        .routes(routes!(pages::publish::publish))
        .routes(routes!(pages::unpublish::unpublish))
        .routes(routes!(pages::frame::frame))
        .routes(routes!(pages::preview::preview))
        .routes(routes!(pages::invoke::invoke))
        .routes(routes!(pages::kapso_types::kapso_types))
        .routes(routes!(pages::templates::templates))
        .routes(routes!(agent::status::status))
        .routes(routes!(agent::start::start))
        .routes(routes!(agent::events::events))
        .routes(routes!(agent::check::check))
        .routes(routes!(agent::stop::stop))
        .routes(routes!(whatsapp::list::list, whatsapp::create::create))
        .routes(routes!(whatsapp::update::update, whatsapp::delete::delete))
        .routes(routes!(whatsapp::test_event::test_event))
        .routes(routes!(
            whatsapp::handshake::handshake,
            whatsapp::receive::receive
        ))
        .routes(routes!(conversations::list::list))
        .routes(routes!(
            conversations::get::get,
            conversations::update::update
        ))
        .routes(routes!(conversations::read::read))
        .routes(routes!(
            conversations::messages::messages,
            conversations::reply::reply
        ))
        .routes(routes!(
            inbox_embeds::list::list,
            inbox_embeds::create::create
        ))
        .routes(routes!(
            inbox_embeds::update::update,
            inbox_embeds::revoke::revoke
        ))
        .routes(routes!(inbox_embeds::current::current))
        .routes(routes!(
            public_links::list::list,
            public_links::create::create
        ))
        .routes(routes!(public_links::revoke::revoke))
        .routes(routes!(assets::list::list, assets::upload::upload))
        .routes(routes!(assets::delete::delete))
        .routes(routes!(public::frame::frame))
        .routes(routes!(public::invoke::invoke))
        .split_for_parts();
    utoipa::Modify::modify(&ErrorResponses, &mut openapi);
    utoipa::Modify::modify(&OperationIds, &mut openapi);
    (router, openapi)
}
