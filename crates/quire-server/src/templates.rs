//! Starting points for new pages (`POST …/pages {template}`), listed by `GET /api/v1/templates`
//! for the New page dialog. Every one compiles, type-checks against `kapso.d.ts`
//! (`scripts/typecheck`) and renders (the browser tests create a page from each).

use serde::Serialize;
use utoipa::ToSchema;

/// A named starting source.
#[derive(Serialize, ToSchema)]
pub struct Template {
    /// What `POST …/pages {template}` takes.
    #[schema(example = "table")]
    pub name: &'static str,
    /// A short title for pickers.
    pub title: &'static str,
    pub description: &'static str,
    #[serde(skip)]
    pub source: &'static str,
}

pub const TEMPLATES: &[Template] = &[
    Template {
        name: "blank",
        title: "Blank",
        description: "An empty React page.",
        source: include_str!("templates/blank.tsx"),
    },
    Template {
        name: "dashboard",
        title: "Function call",
        description: "A Load button that calls a function of the project with kapso.invokeFunction and shows its answer.",
        source: include_str!("templates/dashboard.tsx"),
    },
    Template {
        name: "table",
        title: "Table",
        description: "A table filled by a function's rows, with loading, empty and error states.",
        source: include_str!("templates/table.tsx"),
    },
    Template {
        name: "conversation",
        title: "Conversation card",
        description: "For the inbox sidebar: the open conversation's contact, following it with kapso.on(\"context\").",
        source: include_str!("templates/conversation.tsx"),
    },
    Template {
        name: "chart",
        title: "Chart",
        description: "A bar chart with recharts, fed by a function (sample data until it exists).",
        source: include_str!("templates/chart.tsx"),
    },
];

/// The template called `name`.
pub fn find(name: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.name == name)
}

/// `blank, dashboard, …`, for messages.
pub fn names() -> String {
    TEMPLATES
        .iter()
        .map(|t| t.name)
        .collect::<Vec<_>>()
        .join(", ")
}
