//! Which events a subscriber may receive: its role decides the audience, its scope (an embed
//! limited to one `WhatsApp` number) the scoped events.

use quire_store::{Audience, Event, Role};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visibility {
    /// Owners and admins: they also receive `editors` events (drafts, previews, function
    /// activity).
    pub editor: bool,
    /// `Some`: only the unscoped events and those of this scope; `None`: the whole project.
    pub scope: Option<String>,
}

impl Visibility {
    /// What a member with `role` sees of the whole project.
    pub fn of_role(role: Role) -> Self {
        Self {
            editor: role >= Role::Admin,
            scope: None,
        }
    }

    pub fn allows(&self, event: &Event) -> bool {
        let audience = match event.audience {
            Audience::Members => true,
            Audience::Editors => self.editor,
        };
        let scope = match (&self.scope, &event.scope) {
            (Some(mine), Some(its)) => mine == its,
            _ => true,
        };
        audience && scope
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(audience: Audience, scope: Option<&str>) -> Event {
        Event {
            id: 1,
            project_id: "p".to_owned(),
            kind: "x".to_owned(),
            audience,
            scope: scope.map(str::to_owned),
            data: "{}".to_owned(),
            created_at: 0,
        }
    }

    #[test]
    fn members_see_members_events_and_editors_see_all() {
        let member = Visibility::of_role(Role::Member);
        let admin = Visibility::of_role(Role::Admin);
        let owner = Visibility::of_role(Role::Owner);
        assert!(member.allows(&event(Audience::Members, None)));
        assert!(!member.allows(&event(Audience::Editors, None)));
        assert!(admin.allows(&event(Audience::Editors, None)));
        assert!(owner.allows(&event(Audience::Editors, Some("1555"))));
    }

    #[test]
    fn a_scoped_subscriber_sees_its_scope_and_the_unscoped_events() {
        let embed = Visibility {
            editor: false,
            scope: Some("1555".to_owned()),
        };
        assert!(embed.allows(&event(Audience::Members, None)));
        assert!(embed.allows(&event(Audience::Members, Some("1555"))));
        assert!(!embed.allows(&event(Audience::Members, Some("1666"))));
        assert!(!embed.allows(&event(Audience::Editors, Some("1555"))));
    }
}
