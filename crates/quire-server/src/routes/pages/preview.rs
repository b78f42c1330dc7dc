//! `POST /api/v1/projects/{p}/pages/{page}/preview {source, dependencies?}`: compiles a source
//! as the page's next version would be, without saving one, for the studio's live preview.
//!
//! A build that succeeds answers a frame for its artifact (mode `preview`, the same signed,
//! expiring URL the saved versions get); one that fails answers its diagnostics and no frame,
//! so the editor keeps showing the last good render. The artifact is stored like any other
//! (the usercontent origin of any instance serves it) and pruned once no version refers to it
//! and it has not been previewed or saved for an hour.
//!
//! A build also answers its warm parts: the shell (the artifact without its page, stored
//! beside it: builds of the same dependencies share it) with a frame of its own, and the
//! page's script and CSS. A host loads that shell hidden ahead of time, and shows the next
//! build whose shell is the same by running its page there: no download, React already
//! started (see bridge/page.ts).
//!
//! With `announce` (what `quire dev` sends when a page file is saved), a build that succeeds
//! is also shown to every open preview of the page: the event `page.previewed` (owners and
//! admins only) carries the artifact's signed URL, without a nonce (each host makes its own),
//! the context, and the warm parts (the shell's URL likewise) when the page's script and CSS
//! take at most 64 KiB, so the studio and the dev preview show it at once.

use std::collections::BTreeMap;

use axum::extract::State;
use quire_store::{Audience, NewArtifact, NewEvent};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::{InboxAccess, InboxCaller, Viewer};
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::pages::{Mode, check_source_size, compile_over_head, load_with_head_lock};
use crate::routes::pages::BuildView;
use crate::routes::pages::frame::{FrameView, Viewing, frame_view};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// The TSX source to try, at most 1 MiB.
    pub source: String,
    /// npm dependencies: name → version range. Absent: the head version's, and its lock.
    pub dependencies: Option<BTreeMap<String, String>>,
    /// Show a build that succeeds in every open preview of the page (the studio's, `quire
    /// dev`'s), through the live event `page.previewed`. Default false: only this caller sees it.
    #[serde(default)]
    pub announce: bool,
    /// Values for `kapso.getContext()` in this preview, over the server's: any of `context`,
    /// `vars` and `metadata` (`system` is the server's). At most 64 KiB as JSON.
    #[schema(value_type = Option<Object>)]
    pub context: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The most JSON a preview's own context may take.
const MAX_CONTEXT_BYTES: usize = 64 * 1024;

#[derive(Serialize, ToSchema)]
pub struct PreviewView {
    /// The compile's outcome; nothing was saved either way.
    pub build: BuildView,
    /// Where to show it, when it built.
    pub frame: Option<FrameView>,
    /// The same build for a warm frame, when it built (see the module's documentation).
    pub warm: Option<WarmView>,
}

/// A build taken apart for a warm frame: a host that has `shell` loaded runs `script` (with
/// `css`) there instead of loading the whole artifact.
#[derive(Serialize, ToSchema)]
pub struct WarmView {
    /// The shell's SHA-256: two builds with the same one run in the same kind of frame.
    pub shell: String,
    /// A frame of the shell, to load ahead of the next build.
    pub frame: FrameView,
    /// The page's module script.
    pub script: String,
    /// The page's CSS.
    pub css: String,
}

/// The most script and CSS an announced build carries for warm frames in its event.
const MAX_ANNOUNCED_WARM_BYTES: usize = 64 * 1024;

#[utoipa::path(post, path = "/api/v1/projects/{p}/pages/{page}/preview", tag = "pages", request_body = PreviewRequest,
    params(("p" = String, Path, description = "project id or slug"), ("page" = String, Path, description = "page id or slug")),
    responses((status = 200, body = PreviewView, description = "compiled, no version saved: `frame` when it built, the diagnostics either way"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "`source_too_large`: the source is over 1 MiB")))]
pub async fn preview(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, page)): Path<(String, String)>,
    ApiJson(body): ApiJson<PreviewRequest>,
) -> Result<ApiJson<PreviewView>, ApiError> {
    let (membership, page, head_lock) =
        load_with_head_lock(&state, &viewer, &project, &page).await?;
    check_source_size(&body.source)?;
    if let Some(context) = &body.context {
        check_context(context)?;
    }
    let built = compile_over_head(&state, &page, head_lock, body.source, body.dependencies).await?;
    let Some(artifact) = built.artifact() else {
        return Ok(ApiJson(PreviewView {
            build: BuildView::from(&built),
            frame: None,
            warm: None,
        }));
    };
    let split = quire_compiler::split_artifact(&artifact.html);
    let mut stored = vec![NewArtifact {
        sha256: &artifact.sha256,
        html: &artifact.html,
    }];
    if let Some(split) = &split {
        stored.push(NewArtifact {
            sha256: &split.shell.sha256,
            html: &split.shell.html,
        });
    }
    state.store.put_artifacts(&stored).await?;
    let access = InboxAccess {
        membership,
        caller: InboxCaller::Member(viewer),
    };
    let viewing = Viewing::of(&access, Mode::Preview);
    let mut frame = frame_view(&state, &viewing, &page, &artifact.sha256, None);
    for (key, value) in body.context.into_iter().flatten() {
        frame.context[key] = value;
    }
    let warm = split.map(|split| {
        let shell_frame = frame_view(&state, &viewing, &page, &split.shell.sha256, None);
        WarmView {
            shell: split.shell.sha256,
            frame: FrameView {
                context: frame.context.clone(),
                ..shell_frame
            },
            script: split.script,
            css: split.css,
        }
    });
    if body.announce {
        announce(
            &state,
            &access,
            &page,
            &artifact.sha256,
            &frame,
            warm.as_ref(),
        )
        .await?;
    }
    Ok(ApiJson(PreviewView {
        build: BuildView::from(&built),
        frame: Some(frame),
        warm,
    }))
}

/// Tells the page's open previews about a build: `page.previewed` `{page_id, sha256, url,
/// expires_at, context, by: {id, name}, warm?: {shell, url, script, css}}`, the URLs signed
/// and without their fragment (each host adds a nonce of its own).
async fn announce(
    state: &AppState,
    access: &InboxAccess,
    page: &quire_store::Page,
    sha256: &str,
    frame: &FrameView,
    warm: Option<&WarmView>,
) -> Result<(), ApiError> {
    let without_nonce = |url: &str| url.split('#').next().unwrap_or_default().to_owned();
    let url = without_nonce(&frame.url);
    let warm = warm
        .filter(|warm| warm.script.len() + warm.css.len() <= MAX_ANNOUNCED_WARM_BYTES)
        .map(|warm| {
            json!({
                "shell": warm.shell,
                "url": without_nonce(&warm.frame.url),
                "script": warm.script,
                "css": warm.css,
            })
        });
    let by = match &access.caller {
        InboxCaller::Member(viewer) => json!({ "id": viewer.user.id, "name": viewer.user.name }),
        InboxCaller::Embed(_) => serde_json::Value::Null,
    };
    let event = NewEvent::new(
        &page.project_id,
        "page.previewed",
        Audience::Editors,
        json!({
            "page_id": page.id,
            "sha256": sha256,
            "url": url,
            "expires_at": frame.expires_at,
            "context": frame.context,
            "by": by,
            "warm": warm,
        }),
    );
    state.store.append_event_alone(&event).await?;
    Ok(())
}

fn check_context(context: &serde_json::Map<String, serde_json::Value>) -> Result<(), ApiError> {
    if let Some(key) = context
        .keys()
        .find(|key| !["context", "vars", "metadata"].contains(&key.as_str()))
    {
        return Err(ApiError::validation(
            "context",
            format!(
                "a preview's context sets `context`, `vars` and `metadata`, not {key:?} (`system` is the server's)"
            ),
        ));
    }
    let size = serde_json::to_string(context).map_or(usize::MAX, |json| json.len());
    if size > MAX_CONTEXT_BYTES {
        return Err(ApiError::validation(
            "context",
            format!("the preview's context is {size} bytes of JSON; at most {MAX_CONTEXT_BYTES}"),
        ));
    }
    Ok(())
}
