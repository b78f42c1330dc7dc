//! Starting points for new pages (`POST …/pages {template}`): `blank`, and `dashboard`, the
//! page that loads data from a project function through `kapso.invokeFunction`.

/// A named starting source.
pub struct Template {
    pub name: &'static str,
    pub description: &'static str,
    pub source: &'static str,
}

pub const TEMPLATES: &[Template] = &[
    Template {
        name: "blank",
        description: "an empty React page",
        source: include_str!("templates/blank.tsx"),
    },
    Template {
        name: "dashboard",
        description: "a page that loads data from the function `your-function-slug`",
        source: include_str!("templates/dashboard.tsx"),
    },
];

/// The template called `name`.
pub fn find(name: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.name == name)
}

/// `blank, dashboard`, for messages.
pub fn names() -> String {
    TEMPLATES
        .iter()
        .map(|t| t.name)
        .collect::<Vec<_>>()
        .join(", ")
}
