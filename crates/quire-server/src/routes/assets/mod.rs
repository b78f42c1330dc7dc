//! Page assets over HTTP: a project's images, fonts and data files, which its pages import
//! by name. Owners and admins upload, replace and delete; members list.

pub mod delete;
pub mod list;
pub mod upload;

use quire_store::Asset;
use serde::Serialize;
use utoipa::ToSchema;

use crate::assets::content_url;
use crate::state::AppState;
use crate::validate::timestamp;

/// An asset as the project's members see it.
#[derive(Serialize, ToSchema)]
pub struct AssetView {
    pub id: String,
    /// The file name a page imports it by (`import logo from "./logo.png"`).
    #[schema(example = "logo.png")]
    pub name: String,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
    /// The type read from the bytes, which it is served as.
    #[schema(example = "image/png")]
    pub content_type: String,
    /// Where the content is served, on the usercontent origin; it never changes for these
    /// bytes.
    pub url: String,
    pub created_by: Option<String>,
    pub created_at: String,
    /// When the name last got new content.
    pub updated_at: String,
    /// The pages whose saved head or published version was built with it (listing only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub used_by: Vec<AssetUser>,
}

/// A page that uses an asset.
#[derive(Serialize, ToSchema)]
pub struct AssetUser {
    pub slug: String,
    pub name: String,
}

impl AssetView {
    pub fn new(state: &AppState, asset: &Asset) -> Self {
        Self {
            id: asset.id.clone(),
            name: asset.name.clone(),
            sha256: asset.sha256.clone(),
            size: asset.size,
            content_type: asset.content_type.clone(),
            url: content_url(state, &asset.sha256),
            created_by: asset.created_by.clone(),
            created_at: timestamp(asset.created_at),
            updated_at: timestamp(asset.updated_at),
            used_by: Vec::new(),
        }
    }
}
