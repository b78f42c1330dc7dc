//! `GET /api/v1/templates`: the starting points a new page can take, for the New page dialog.

use crate::json::ApiJson;
use crate::templates::{TEMPLATES, Template};

#[utoipa::path(get, path = "/api/v1/templates", tag = "pages", security(()),
    responses((status = 200, body = [Template], description = "every template, in the order to offer them")))]
pub async fn templates() -> ApiJson<&'static [Template]> {
    ApiJson(TEMPLATES)
}
