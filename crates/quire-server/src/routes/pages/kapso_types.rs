//! `GET /api/v1/kapso.d.ts`: the type declarations of the `kapso` bridge, for editors and
//! for pages developed outside Quire.

use axum::http::header;
use axum::response::IntoResponse;

const KAPSO_D_TS: &str = include_str!("../../../../../bridge/kapso.d.ts");

#[utoipa::path(get, path = "/api/v1/kapso.d.ts", tag = "pages", security(()),
    responses((status = 200, content_type = "application/typescript", body = String, description = "TypeScript declarations of `window.kapso`")))]
pub async fn kapso_types() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/typescript; charset=utf-8",
        )],
        KAPSO_D_TS,
    )
}
