//! Inbox conversations: one per contact and WhatsApp number of a project, keyed by the
//! contact's `wa_id` when WhatsApp gives it and by the business-scoped user id otherwise. The
//! list pages by newest activity and searches names, usernames, numbers (any part of them) and
//! message text through each backend's full-text index.

use crate::audit::{NewAuditEntry, insert_audit};
use crate::messages::MessageDirection;
use crate::search_text::fold;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::exec::{Args, Columns, Exec, FromColumns};
use crate::{
    Backend, StatementTexts, Store, StoreError, Tx, new_ordered_id, row_chunks, values_rows,
};

#[derive(Clone, Debug)]
pub struct Conversation {
    pub id: String,
    pub project_id: String,
    /// The connection the contact writes to; `None` once that connection was deleted.
    pub whatsapp_config_id: Option<String>,
    pub whatsapp_phone_number_id: String,
    /// The contact's `wa_id`, or their business-scoped user id where WhatsApp gave no number.
    pub contact_key: String,
    /// The contact's `wa_id` (their phone number), when known.
    pub phone_number: Option<String>,
    pub business_user_id: Option<String>,
    pub username: Option<String>,
    pub contact_name: Option<String>,
    /// Free JSON the team keeps about the conversation; always an object.
    pub metadata: serde_json::Value,
    pub last_message_at: i64,
    pub last_message_preview: String,
    pub last_message_direction: Option<MessageDirection>,
    /// The member who wrote the last message, when it is their reply.
    pub last_message_sent_by: Option<String>,
    /// The embedded inbox the last message was written in, by its name then.
    pub last_message_sent_via: Option<String>,
    pub unread_count: i64,
    pub created_at: i64,
    /// The number of the conversation's connection as people read it.
    pub display_phone_number: Option<String>,
}

impl FromColumns for Conversation {
    fn from_columns(row: &impl Columns) -> Result<Self, StoreError> {
        let metadata = row.string("metadata")?;
        Ok(Self {
            id: row.string("id")?,
            project_id: row.string("project_id")?,
            whatsapp_config_id: row.text("whatsapp_config_id")?,
            whatsapp_phone_number_id: row.string("whatsapp_phone_number_id")?,
            contact_key: row.string("contact_key")?,
            phone_number: row.text("phone_number")?,
            business_user_id: row.text("business_user_id")?,
            username: row.text("username")?,
            contact_name: row.text("contact_name")?,
            metadata: serde_json::from_str(&metadata)
                .unwrap_or_else(|_| serde_json::Value::Object(serde_json::Map::new())),
            last_message_at: row.integer("last_message_at")?,
            last_message_preview: row.string("last_message_preview")?,
            last_message_direction: match row.text("last_message_direction")? {
                Some(_) => Some(row.parsed("last_message_direction")?),
                None => None,
            },
            last_message_sent_by: row.text("last_message_sent_by")?,
            last_message_sent_via: row.text("last_message_sent_via")?,
            unread_count: row.integer("unread_count")?,
            created_at: row.integer("created_at")?,
            display_phone_number: row.text("display_phone_number")?,
        })
    }
}

crate::exec::from_row_through_columns!(Conversation);

/// `columns` of the table named `table`, as SQL: `"c"; "id", "name"` is `c.id, c.name`.
macro_rules! qualified {
    ($table:literal; $first:literal $(, $column:literal)* $(,)?) => {
        concat!($table, ".", $first $(, ", ", $table, ".", $column)*)
    };
}

/// The columns of a conversation itself, as every read answers them, of the table named `$t`.
macro_rules! own_columns {
    ($t:literal) => {
        qualified!(
            $t;
            "id", "project_id", "whatsapp_config_id", "whatsapp_phone_number_id", "contact_key",
            "phone_number", "business_user_id", "username", "contact_name", "metadata",
            "last_message_at", "last_message_preview", "last_message_direction",
            "last_message_sent_by", "last_message_sent_via", "unread_count", "created_at",
        )
    };
}

/// The columns every conversation read answers, of `c` and its connection `w`.
macro_rules! columns {
    () => {
        concat!(own_columns!("c"), ", w.display_phone_number")
    };
}

/// Every conversation read goes through this: the columns, and the connection's number.
const SELECT: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM conversations c LEFT JOIN whatsapp_connections w ON w.id = c.whatsapp_config_id"
);

/// A contact as a delivery names it, on the number of connection `connection_id`.
#[derive(Clone, Debug)]
pub struct ContactSeen<'a> {
    pub project_id: &'a str,
    pub connection_id: &'a str,
    pub phone_number_id: &'a str,
    pub wa_id: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub username: Option<&'a str>,
    pub name: Option<&'a str>,
}

/// The contact fields of a conversation, as the upsert merges and compares them.
#[derive(Clone, Debug, Default, PartialEq)]
struct StoredContact {
    whatsapp_config_id: Option<String>,
    phone_number: Option<String>,
    business_user_id: Option<String>,
    username: Option<String>,
    contact_name: Option<String>,
}

impl StoredContact {
    /// What `seen` says, over what is known: a field it leaves out keeps its value.
    fn merge(&mut self, seen: &ContactSeen<'_>) {
        let take = |field: &mut Option<String>, given: Option<&str>| {
            if let Some(given) = given {
                *field = Some(given.to_owned());
            }
        };
        take(&mut self.whatsapp_config_id, Some(seen.connection_id));
        take(&mut self.phone_number, seen.wa_id);
        take(&mut self.business_user_id, seen.user_id);
        take(&mut self.username, seen.username);
        take(&mut self.contact_name, seen.name);
    }
}

/// A stored conversation as the upsert reads it.
#[derive(Debug)]
struct FoundContact {
    id: String,
    project_id: String,
    whatsapp_phone_number_id: String,
    contact_key: String,
    search_terms: String,
    contact: StoredContact,
}

impl FromColumns for FoundContact {
    fn from_columns(row: &impl Columns) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.string("id")?,
            project_id: row.string("project_id")?,
            whatsapp_phone_number_id: row.string("whatsapp_phone_number_id")?,
            contact_key: row.string("contact_key")?,
            search_terms: row.string("search_terms")?,
            contact: StoredContact {
                whatsapp_config_id: row.text("whatsapp_config_id")?,
                phone_number: row.text("phone_number")?,
                business_user_id: row.text("business_user_id")?,
                username: row.text("username")?,
                contact_name: row.text("contact_name")?,
            },
        })
    }
}

const FOUND_COLUMNS: &str = "id, project_id, whatsapp_phone_number_id, contact_key, search_terms, \
     whatsapp_config_id, phone_number, business_user_id, username, contact_name";

/// The text the search index holds for a contact: name, username, business-scoped id, and
/// every suffix of the number from three digits up, so that a prefix query (what the index
/// answers fast) finds any part of the number.
fn search_terms(contact: &StoredContact) -> String {
    let mut terms: Vec<String> = [
        &contact.contact_name,
        &contact.username,
        &contact.business_user_id,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    if let Some(number) = &contact.phone_number {
        let digits: String = number.chars().filter(char::is_ascii_digit).collect();
        terms.extend((0..digits.len().saturating_sub(2)).map(|start| digits[start..].to_owned()));
    }
    terms.join(" ")
}

/// The conversation of the contact `seen`, made when it is new; the contact's name, username
/// and ids are brought up to date. `at` is when a new conversation's first message was sent.
/// Answers the conversation's id. See [`upsert_conversations`].
pub async fn upsert_conversation(
    tx: &mut Tx<'_>,
    seen: &ContactSeen<'_>,
    at: i64,
) -> Result<String, StoreError> {
    let mut ids = upsert_conversations(tx, &[(seen.clone(), at)]).await?;
    Ok(ids.pop().unwrap_or_default())
}

/// A conversation [`upsert_conversations`] writes.
struct Upsert<'a> {
    project_id: &'a str,
    phone_number_id: &'a str,
    contact_key: String,
    /// As stored, when it is.
    found: Option<FoundContact>,
    /// What the contacts of the batch said, in their order: written over what is stored.
    given: StoredContact,
    /// What it will hold: `given` over what was found.
    merged: StoredContact,
    /// When a new conversation's first message was sent.
    at: i64,
    /// Whether a contact of the batch is this conversation's.
    seen: bool,
}

/// The conversations of the contacts `contacts` (each with when its message was sent), in a
/// few statements, as if each were upserted in turn: a conversation is found by the contact's
/// key or else its business-scoped user id, made when it is new (`at` being when its first
/// message was sent), and its contact's name, username and ids are brought up to date with
/// what each contact said, in order. Answers each contact's conversation id.
///
/// A conversation found by the business-scoped user id keeps its key when the number becomes
/// known (or is withheld again), so the contact stays one conversation.
///
/// On `PostgreSQL` the conversations stay locked until `tx` ends, taken in one order (by
/// project, number and contact key), so two writers never wait on each other.
pub async fn upsert_conversations<'a>(
    db: impl Into<Exec<'a>>,
    contacts: &[(ContactSeen<'_>, i64)],
) -> Result<Vec<String>, StoreError> {
    let mut db = db.into();
    let mut keys = Vec::with_capacity(contacts.len());
    for (seen, _) in contacts {
        keys.push(
            seen.wa_id
                .or(seen.user_id)
                .ok_or_else(|| StoreError::NotFound {
                    what: "a contact id (wa_id or user_id) in the delivery".to_owned(),
                })?,
        );
    }
    let found = find_contacts(&mut db, contacts, &keys).await?;
    // The batch's projects and numbers, borrowed from it.
    let names: HashSet<&str> = contacts
        .iter()
        .flat_map(|(seen, _)| [seen.project_id, seen.phone_number_id])
        .collect();
    let borrowed = |name: &str| names.get(name).copied().unwrap_or_default();
    // Each contact in turn finds its conversation as the ones before left it: by its key
    // first, by its business-scoped id then, else a new one.
    let mut rows: Vec<Upsert<'_>> = found
        .into_iter()
        .map(|found| Upsert {
            project_id: borrowed(&found.project_id),
            phone_number_id: borrowed(&found.whatsapp_phone_number_id),
            contact_key: found.contact_key.clone(),
            given: StoredContact::default(),
            merged: found.contact.clone(),
            found: Some(found),
            at: 0,
            seen: false,
        })
        .collect();
    let mut by_key: HashMap<(&str, &str, String), usize> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            (
                (row.project_id, row.phone_number_id, row.contact_key.clone()),
                i,
            )
        })
        .collect();
    let mut conversation_of = Vec::with_capacity(contacts.len());
    for ((seen, at), key) in contacts.iter().zip(&keys) {
        let number = (seen.project_id, seen.phone_number_id);
        let index = by_key
            .get(&(number.0, number.1, (*key).to_owned()))
            .copied()
            .or_else(|| {
                let user_id = seen.user_id?;
                rows.iter().position(|row| {
                    (row.project_id, row.phone_number_id) == number
                        && row.merged.business_user_id.as_deref() == Some(user_id)
                })
            })
            .unwrap_or_else(|| {
                rows.push(Upsert {
                    project_id: seen.project_id,
                    phone_number_id: seen.phone_number_id,
                    contact_key: (*key).to_owned(),
                    found: None,
                    given: StoredContact::default(),
                    merged: StoredContact::default(),
                    at: *at,
                    seen: false,
                });
                by_key.insert((number.0, number.1, (*key).to_owned()), rows.len() - 1);
                rows.len() - 1
            });
        let row = &mut rows[index];
        if !row.seen {
            row.at = *at;
        }
        row.given.merge(seen);
        row.merged.merge(seen);
        row.seen = true;
        conversation_of.push(index);
    }
    let ids = write_contacts(&mut db, &mut rows).await?;
    Ok(conversation_of
        .into_iter()
        .map(|index| ids[index].clone())
        .collect())
}

/// The stored conversations that `contacts` (whose keys are `keys`) may be: those with one
/// of the keys, or with the business-scoped id of one, of their project and number. One
/// statement for the whole batch, whatever its numbers (each is a hand-off to `SQLite`'s
/// thread, or a round trip to `PostgreSQL`).
async fn find_contacts(
    db: &mut Exec<'_>,
    contacts: &[(ContactSeen<'_>, i64)],
    keys: &[&str],
) -> Result<Vec<FoundContact>, StoreError> {
    /// Values looked up per statement.
    const ROWS: usize = 256;
    // Each value once: (by the contact key rather than the business-scoped id, project,
    // number, value).
    let mut wanted: BTreeSet<(bool, &str, &str, &str)> = BTreeSet::new();
    for ((seen, _), key) in contacts.iter().zip(keys) {
        wanted.insert((true, seen.project_id, seen.phone_number_id, key));
        if let Some(user_id) = seen.user_id {
            wanted.insert((false, seen.project_id, seen.phone_number_id, user_id));
        }
    }
    let wanted: Vec<_> = wanted.into_iter().collect();
    let backend = db.backend();
    let mut found: Vec<FoundContact> = Vec::new();
    for chunk in row_chunks(&wanted, ROWS) {
        static TEXTS: StatementTexts = StatementTexts::new();
        let sql = TEXTS.get(backend, chunk.statement_rows, || {
            // CROSS JOIN: SQLite takes the tables in the order written, so each value is
            // looked up in the index (its planner may scan a whole index otherwise).
            let by = |column: &str, by_key: i32| {
                format!(
                    "SELECT {FOUND_COLUMNS} FROM w CROSS JOIN conversations \
                     WHERE w_n > 0 AND w_by_key = {by_key} AND project_id = w_project \
                     AND whatsapp_phone_number_id = w_number AND {column} = w_value"
                )
            };
            format!(
                "WITH w (w_n, w_by_key, w_project, w_number, w_value) AS (VALUES {}) \
                 {} UNION ALL {}",
                values_rows(chunk.statement_rows, 5, 1),
                by("contact_key", 1),
                by("business_user_id", 0),
            )
        });
        let mut args = Args::with_capacity(chunk.statement_rows * 5);
        for (n, (by_key, project_id, phone_number_id, value)) in chunk.padded() {
            args.bind(n)
                .bind(i32::from(*by_key))
                .bind(*project_id)
                .bind(*phone_number_id)
                .bind(*value);
        }
        found.extend(db.fetch_all::<FoundContact>(sql, args).await?);
    }
    // One row per conversation, in one order, whatever the database's.
    found.sort_by(|a, b| a.id.cmp(&b.id));
    found.dedup_by(|a, b| a.id == b.id);
    found.sort_by(|a, b| a.contact_key.cmp(&b.contact_key));
    Ok(found)
}

/// The columns [`write_contacts`] writes.
const CONTACT_COLUMNS: &str = "id, project_id, whatsapp_config_id, whatsapp_phone_number_id, \
     contact_key, phone_number, business_user_id, username, contact_name, last_message_at, \
     created_at, search_terms";

/// What the upsert of [`write_contacts`] sets: what the batch said over the row as it is when
/// the upsert reaches it (another writer may have changed it since it was read).
const UPSERT_SET: &str = "whatsapp_config_id = excluded.whatsapp_config_id, \
     phone_number = COALESCE(excluded.phone_number, conversations.phone_number), \
     business_user_id = COALESCE(excluded.business_user_id, conversations.business_user_id), \
     username = COALESCE(excluded.username, conversations.username), \
     contact_name = COALESCE(excluded.contact_name, conversations.contact_name), \
     search_terms = excluded.search_terms";

/// When the upsert of [`write_contacts`] writes a row that is there: only when it changes
/// (a write of the search terms is a write of the search index).
const UPSERT_WHEN: &str = "conversations.whatsapp_config_id IS DISTINCT FROM excluded.whatsapp_config_id \
     OR conversations.phone_number IS DISTINCT FROM COALESCE(excluded.phone_number, conversations.phone_number) \
     OR conversations.business_user_id IS DISTINCT FROM COALESCE(excluded.business_user_id, conversations.business_user_id) \
     OR conversations.username IS DISTINCT FROM COALESCE(excluded.username, conversations.username) \
     OR conversations.contact_name IS DISTINCT FROM COALESCE(excluded.contact_name, conversations.contact_name)";

/// Writes the conversations of `rows` a contact named (the others were only looked at) in
/// multi-row upserts in one order, and answers each row's id (empty for a row no contact
/// named).
async fn write_contacts(
    db: &mut Exec<'_>,
    rows: &mut [Upsert<'_>],
) -> Result<Vec<String>, StoreError> {
    /// Values per row (its place, then the columns), and rows per statement.
    const VALUES: usize = 13;
    const ROWS: usize = 256;
    let backend = db.backend();
    let mut ids: Vec<String> = rows
        .iter()
        .map(|row| row.found.as_ref().map(|f| f.id.clone()).unwrap_or_default())
        .collect();
    // A conversation that is there and stays as it is needs no write, except on PostgreSQL,
    // where the upsert takes its lock: what the transaction writes for it next (its
    // messages, their unread count) waits behind any other writer of the conversation.
    let mut order: Vec<usize> = (0..rows.len())
        .filter(|&i| {
            let row = &rows[i];
            row.seen
                && (backend == Backend::Postgres
                    || row.found.as_ref().is_none_or(|f| f.contact != row.merged))
        })
        .collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&rows[a], &rows[b]);
        (a.project_id, a.phone_number_id, &a.contact_key).cmp(&(
            b.project_id,
            b.phone_number_id,
            &b.contact_key,
        ))
    });
    let mut written: Vec<FoundContact> = Vec::new();
    for chunk in row_chunks(&order, ROWS) {
        static TEXTS: StatementTexts = StatementTexts::new();
        let sql = TEXTS.get(backend, chunk.statement_rows, || {
            format!(
                "WITH v (n, {CONTACT_COLUMNS}) AS (VALUES {}) \
                 INSERT INTO conversations ({CONTACT_COLUMNS}) \
                 SELECT {CONTACT_COLUMNS} FROM v WHERE n > 0 \
                 ON CONFLICT (project_id, whatsapp_phone_number_id, contact_key) \
                 DO UPDATE SET {UPSERT_SET} WHERE {UPSERT_WHEN} RETURNING {FOUND_COLUMNS}",
                values_rows(chunk.statement_rows, VALUES, 1)
            )
        });
        let mut args = Args::with_capacity(chunk.statement_rows * VALUES);
        for (n, &i) in chunk.padded() {
            let row = &rows[i];
            args.bind(n)
                .bind(new_ordered_id())
                .bind(row.project_id)
                .bind(row.given.whatsapp_config_id.as_deref())
                .bind(row.phone_number_id)
                .bind(row.contact_key.as_str())
                .bind(row.given.phone_number.as_deref())
                .bind(row.given.business_user_id.as_deref())
                .bind(row.given.username.as_deref())
                .bind(row.given.contact_name.as_deref())
                .bind(row.at)
                .bind(row.at)
                .bind(search_terms(&row.merged));
        }
        written.extend(db.fetch_all::<FoundContact>(sql, args).await?);
    }
    let written_as: HashMap<(&str, &str, &str), usize> = order
        .iter()
        .map(|&i| {
            let row = &rows[i];
            (
                (
                    row.project_id,
                    row.phone_number_id,
                    row.contact_key.as_str(),
                ),
                i,
            )
        })
        .collect();
    for row in written {
        let as_written = (
            row.project_id.as_str(),
            row.whatsapp_phone_number_id.as_str(),
            row.contact_key.as_str(),
        );
        let Some(&i) = written_as.get(&as_written) else {
            continue;
        };
        // Another writer changed the contact between the read and the upsert: its search
        // terms follow what it holds now.
        let terms = search_terms(&row.contact);
        if terms != row.search_terms {
            let mut args = Args::with_capacity(2);
            args.bind(terms.as_str()).bind(row.id.as_str());
            db.execute(
                "UPDATE conversations SET search_terms = $1 WHERE id = $2",
                args,
            )
            .await?;
        }
        ids[i] = row.id;
    }
    for &i in &order {
        if ids[i].is_empty() {
            ids[i] = made_meanwhile(db, &rows[i]).await?;
        }
    }
    Ok(ids)
}

/// The id of the new conversation of `row` that another writer made meanwhile, as this one
/// would have (so the upsert changed nothing and answered nothing).
async fn made_meanwhile(db: &mut Exec<'_>, row: &Upsert<'_>) -> Result<String, StoreError> {
    let mut args = Args::with_capacity(3);
    args.bind(row.project_id)
        .bind(row.phone_number_id)
        .bind(row.contact_key.as_str());
    db.fetch_texts(
        "SELECT id FROM conversations WHERE project_id = $1 \
         AND whatsapp_phone_number_id = $2 AND contact_key = $3",
        args,
    )
    .await?
    .pop()
    .ok_or_else(|| StoreError::NotFound {
        what: format!("the conversation of contact {}", row.contact_key),
    })
}

/// A message a conversation just got, as its list entry shows it.
pub struct Activity<'a> {
    /// When the message was sent; an older message arriving late leaves the preview alone.
    pub at: i64,
    pub preview: &'a str,
    pub direction: MessageDirection,
    /// Who wrote it, when it is a reply: a member, or an embedded inbox by its name.
    pub sent_by: Option<&'a str>,
    pub sent_via: Option<&'a str>,
    /// Whether it counts as unread (a new inbound message).
    pub unread: bool,
}

/// Brings the conversation's list entry up to date with a new message; answers the
/// conversation as it now stands.
pub async fn record_activity(
    tx: &mut Tx<'_>,
    conversation_id: &str,
    activity: &Activity<'_>,
) -> Result<Conversation, StoreError> {
    record_activities(tx, &[(conversation_id, activity)])
        .await?
        .pop()
        .ok_or_else(|| StoreError::NotFound {
            what: format!("conversation {conversation_id}"),
        })
}

/// Brings the conversations' list entries up to date with new messages, as if
/// [`record_activity`] ran for each in turn, in one statement per 128 conversations. Answers
/// the conversations as they now stand, in no set order.
pub async fn record_activities<'a>(
    db: impl Into<Exec<'a>>,
    activities: &[(&str, &Activity<'_>)],
) -> Result<Vec<Conversation>, StoreError> {
    /// Values per row (its place, then the columns), and rows per statement.
    const VALUES: usize = 8;
    const ROWS: usize = 128;
    let mut db = db.into();
    // Per conversation: the unread count to add, and the latest message (the last of those
    // sent at the same time).
    let mut each: BTreeMap<&str, (i64, &Activity<'_>)> = BTreeMap::new();
    for &(conversation_id, activity) in activities {
        let unread = i64::from(activity.unread);
        each.entry(conversation_id)
            .and_modify(|(count, latest)| {
                *count += unread;
                if activity.at >= latest.at {
                    *latest = activity;
                }
            })
            .or_insert((unread, activity));
    }
    let each: Vec<(&str, (i64, &Activity<'_>))> = each.into_iter().collect();
    let backend = db.backend();
    let mut updated = Vec::with_capacity(each.len());
    for chunk in row_chunks(&each, ROWS) {
        // Every right-hand side reads the row as it was, in both backends.
        static TEXTS: StatementTexts = StatementTexts::new();
        let sql = TEXTS.get(backend, chunk.statement_rows, || {
            format!(
                "WITH a (n, id, unread, at, preview, direction, sent_by, sent_via) AS (VALUES {}) \
                 UPDATE conversations SET unread_count = conversations.unread_count + a.unread, \
                 last_message_preview = CASE WHEN a.at >= conversations.last_message_at \
                 THEN a.preview ELSE conversations.last_message_preview END, \
                 last_message_direction = CASE WHEN a.at >= conversations.last_message_at \
                 THEN a.direction ELSE conversations.last_message_direction END, \
                 last_message_sent_by = CASE WHEN a.at >= conversations.last_message_at \
                 THEN a.sent_by ELSE conversations.last_message_sent_by END, \
                 last_message_sent_via = CASE WHEN a.at >= conversations.last_message_at \
                 THEN a.sent_via ELSE conversations.last_message_sent_via END, \
                 last_message_at = CASE WHEN a.at >= conversations.last_message_at \
                 THEN a.at ELSE conversations.last_message_at END \
                 FROM a WHERE a.n > 0 AND conversations.id = a.id RETURNING {UPDATED_COLUMNS}",
                values_rows(chunk.statement_rows, VALUES, 1)
            )
        });
        let mut args = Args::with_capacity(chunk.statement_rows * VALUES);
        for (n, (conversation_id, (unread, activity))) in chunk.padded() {
            args.bind(n)
                .bind(*conversation_id)
                .bind(*unread)
                .bind(activity.at)
                .bind(activity.preview)
                .bind(activity.direction.as_str())
                .bind(activity.sent_by)
                .bind(activity.sent_via);
        }
        updated.extend(db.fetch_all::<Conversation>(sql, args).await?);
    }
    Ok(updated)
}

/// The columns of [`SELECT`], as an update of `conversations` answers them (`RETURNING`
/// names only the updated table, by its name, so the connection's number comes by a subquery).
const UPDATED_COLUMNS: &str = concat!(
    own_columns!("conversations"),
    ", (SELECT w.display_phone_number FROM whatsapp_connections w \
     WHERE w.id = conversations.whatsapp_config_id) AS display_phone_number"
);

/// The conversation `conversation_id`, read inside a transaction (after a change in it).
pub async fn conversation_in(
    tx: &mut Tx<'_>,
    conversation_id: &str,
) -> Result<Conversation, StoreError> {
    sqlx::query_as(&format!("{SELECT} WHERE c.id = $1"))
        .bind(conversation_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("conversation {conversation_id}"),
        })
}

/// The conversations `ids` that exist, read inside a transaction (after changes in it), in no
/// particular order.
pub async fn conversations_in<'a>(
    db: impl Into<Exec<'a>>,
    ids: &[&str],
) -> Result<Vec<Conversation>, StoreError> {
    /// Ids per statement.
    const IDS: usize = 256;
    let mut db = db.into();
    let mut found = Vec::with_capacity(ids.len());
    for chunk in row_chunks(ids, IDS) {
        static TEXTS: StatementTexts = StatementTexts::new();
        let sql = TEXTS.get(db.backend(), chunk.statement_rows, || {
            format!(
                "{SELECT} WHERE c.id IN {}",
                values_rows(1, chunk.statement_rows, 1)
            )
        });
        let mut args = Args::with_capacity(chunk.statement_rows);
        for (_, id) in chunk.padded() {
            args.bind(*id);
        }
        found.extend(db.fetch_all::<Conversation>(sql, args).await?);
    }
    Ok(found)
}

/// Where a page of conversations starts: after the one at `(last_message_at, id)`.
pub type ConversationCursor<'a> = (i64, &'a str);

/// Which conversations to list; every field narrows the list.
#[derive(Clone, Debug, Default)]
pub struct ConversationFilter<'a> {
    pub before: Option<ConversationCursor<'a>>,
    /// Words that the contact's name, username or number, or one message's text, all start
    /// with (digits anywhere in the number).
    pub search: Option<&'a str>,
    pub unread_only: bool,
    pub connection_id: Option<&'a str>,
    /// Only the conversations of this number (Meta's phone number id).
    pub phone_number_id: Option<&'a str>,
}

/// The words of a search as the full-text index takes them, or `None` when it has none.
/// A search that reads as a phone number (`+1 (415) 555-01`) is one run of digits.
fn search_words(search: &str) -> Option<Vec<String>> {
    const MAX_WORDS: usize = 8;
    const MAX_WORD_CHARS: usize = 64;
    let is_number = search
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let words: Vec<String> = if is_number {
        vec![search.chars().filter(char::is_ascii_digit).collect()]
    } else {
        search
            .split(|c: char| !c.is_alphanumeric())
            .map(str::to_lowercase)
            .collect()
    };
    let words: Vec<String> = words
        .into_iter()
        .filter(|word| !word.is_empty())
        .take(MAX_WORDS)
        .map(|word| word.chars().take(MAX_WORD_CHARS).collect())
        .collect();
    (!words.is_empty()).then_some(words)
}

impl Backend {
    /// What a search for `words` binds (see [`Conditions::bind`]): the full-text query that
    /// finds texts with a word starting with each of them, then on `SQLite` each word as a
    /// message's search words hold its start (`" order"`, see `search_text.rs`), for the
    /// one-by-one check of messages.
    fn search_values(self, words: &[String]) -> Vec<String> {
        match self {
            Backend::Sqlite => {
                let words: Vec<String> = words.iter().map(|word| fold(word)).collect();
                // Quoted, so a word is never read as an FTS5 operator.
                let query = words
                    .iter()
                    .map(|word| format!("\"{word}\"*"))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                std::iter::once(query)
                    .chain(words.iter().map(|word| format!(" {word}")))
                    .collect()
            }
            // Words hold letters and digits only: nothing in them is tsquery syntax.
            Backend::Postgres => vec![
                words
                    .iter()
                    .map(|word| format!("{word}:*"))
                    .collect::<Vec<_>>()
                    .join(" & "),
            ],
        }
    }

    /// The condition that conversation `c` matches the full-text query bound as `$query` on
    /// `side`, where one query with it is fast whichever way the database goes about it:
    /// `PostgreSQL` keeps statistics of the contacts' index that let its planner choose
    /// between walking the newest conversations and looking the matches up. (For messages it
    /// chose plans that took seconds; `SQLite` keeps no statistics.)
    fn planned_match(self, side: Side, query: &str) -> Option<String> {
        match (self, side) {
            (Backend::Postgres, Side::Contact) => {
                Some(format!("c.search_vector @@ to_tsquery('simple', {query})"))
            }
            _ => None,
        }
    }

    /// How the look-up joins its matches to the conversations: in that order (`SQLite`
    /// otherwise walks the conversations).
    fn join_in_order(self) -> &'static str {
        match self {
            Backend::Sqlite => "CROSS JOIN",
            Backend::Postgres => "JOIN",
        }
    }

    /// The condition that conversation `c`, already at hand, matches the search whose values
    /// ([`Backend::search_values`]) are bound from `$first` on, on `side`: checked for each
    /// conversation in turn, so it must not cost in proportion to all the matches.
    fn matches_one_by_one(self, side: Side, first: usize, words: usize) -> String {
        let query = format!("${first}");
        match (self, side) {
            (Backend::Sqlite, Side::Contact) => format!(
                "c.seq IN (SELECT rowid FROM conversations_search WHERE conversations_search MATCH {query})"
            ),
            // Each conversation's messages, read through the thread index, hold every word's
            // start in their search words: a test that costs the same whatever the word.
            (Backend::Sqlite, Side::Messages) => {
                let tests: Vec<String> = (first + 1..=first + words)
                    .map(|word| format!(" AND instr(m.search_text, ${word}) > 0"))
                    .collect();
                let tests = tests.concat();
                format!("EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id{tests})")
            }
            (Backend::Postgres, Side::Contact) => {
                format!("c.search_vector @@ to_tsquery('simple', {query})")
            }
            // Each conversation's messages are read through the thread index and tested there
            // (`OFFSET 0` keeps the planner from asking the full-text index, whose answer costs
            // in proportion to all the matches, once per conversation).
            (Backend::Postgres, Side::Messages) => format!(
                "EXISTS (SELECT 1 FROM (SELECT m.search_vector FROM messages m \
                 WHERE m.conversation_id = c.id OFFSET 0) m \
                 WHERE m.search_vector @@ to_tsquery('simple', {query}))"
            ),
        }
    }

    /// The ids of the conversations that match the full-text query bound as `$query` on
    /// `side` (`$1` is the project id), looked up through the full-text index: costs in
    /// proportion to the matches.
    fn matching_ids(self, side: Side, query: &str) -> String {
        match (self, side) {
            // `CROSS JOIN` makes the index find the rows; left to itself, SQLite walked every
            // row of the project and asked the index about each.
            (Backend::Sqlite, Side::Contact) => format!(
                "SELECT h.id FROM conversations_search s CROSS JOIN conversations h ON h.seq = s.rowid \
                 WHERE conversations_search MATCH {query}"
            ),
            (Backend::Sqlite, Side::Messages) => format!(
                "SELECT DISTINCT m.conversation_id FROM messages_search s CROSS JOIN messages m \
                 ON m.seq = s.rowid WHERE messages_search MATCH {query} AND m.project_id = $1"
            ),
            (Backend::Postgres, Side::Contact) => format!(
                "SELECT h.id FROM conversations h WHERE h.project_id = $1 \
                 AND h.search_vector @@ to_tsquery('simple', {query})"
            ),
            (Backend::Postgres, Side::Messages) => format!(
                "SELECT DISTINCT m.conversation_id FROM messages m WHERE m.project_id = $1 \
                 AND m.search_vector @@ to_tsquery('simple', {query})"
            ),
        }
    }
}

/// What a search matches: the contact (name, username, business-scoped id, number) or the
/// text of one of the conversation's messages. A page of matches is the newest of either, found
/// on each side apart and then merged: each side checks its conversations in its own way, and
/// only as far as its own matches need (a name's search never reads the messages of 2,000
/// conversations).
#[derive(Clone, Copy, Debug)]
enum Side {
    Contact,
    Messages,
}

impl Side {
    /// How many conversations a search checks one by one on this side, newest first, window
    /// after window, before it looks up the rest of that side's matches instead. Checking a
    /// conversation costs about the same whatever the words; looking the matches up costs in
    /// proportion to how many there are. So common words find their page among the newest
    /// conversations, and rare words look their few matches up. Where the first window finds
    /// nothing, the words are rare enough to look up at once.
    fn windows(self) -> &'static [i64] {
        match self {
            // Checking a conversation reads its messages.
            Self::Messages => &[200, 1800],
            Self::Contact => &[2000],
        }
    }
}

/// The conditions of a conversation listing, with the values they bind after `$1` (the
/// project) and `$2` (the limit).
struct Conditions {
    sql: Vec<String>,
    texts: Vec<String>,
    /// Where the listing starts (exclusive) and ends (inclusive), newest first.
    bounds: Vec<(i64, String)>,
}

impl Conditions {
    /// The project's conversations after `before`, narrowed by `filter`'s unread and
    /// connection (not its search or cursor).
    fn new(filter: &ConversationFilter<'_>, before: Option<(i64, &str)>) -> Self {
        Self::between(filter, before, None)
    }

    /// As [`Conditions::new`], down to `last` (included).
    fn between(
        filter: &ConversationFilter<'_>,
        before: Option<(i64, &str)>,
        last: Option<(i64, &str)>,
    ) -> Self {
        let mut sql = vec!["c.project_id = $1".to_owned()];
        let mut texts = Vec::new();
        let mut bounds = Vec::new();
        let mut next = 3;
        for (bound, compare) in [(before, "<"), (last, ">=")] {
            if let Some((at, id)) = bound {
                sql.push(format!(
                    "(c.last_message_at, c.id) {compare} (${next}, ${})",
                    next + 1
                ));
                bounds.push((at, id.to_owned()));
                next += 2;
            }
        }
        if filter.unread_only {
            sql.push("c.unread_count > 0".to_owned());
        }
        if let Some(connection) = filter.connection_id {
            sql.push(format!("c.whatsapp_config_id = ${next}"));
            texts.push(connection.to_owned());
            next += 1;
        }
        if let Some(number) = filter.phone_number_id {
            sql.push(format!("c.whatsapp_phone_number_id = ${next}"));
            texts.push(number.to_owned());
        }
        Self { sql, texts, bounds }
    }

    /// The number of the next value's placeholder (`$n`).
    fn next_number(&self) -> usize {
        3 + 2 * self.bounds.len() + self.texts.len()
    }

    /// The placeholder of the next value bound.
    fn next_placeholder(&self) -> String {
        format!("${}", self.next_number())
    }

    fn and(&self) -> String {
        self.sql.join(" AND ")
    }

    /// Binds the values after the project and `limit`, then `more`.
    fn bind<'q, O>(
        &'q self,
        query: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
        more: &'q [String],
    ) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
        let mut query = query;
        for (at, id) in &self.bounds {
            query = query.bind(*at).bind(id.as_str());
        }
        for text in self.texts.iter().chain(more) {
            query = query.bind(text.as_str());
        }
        query
    }
}

impl Store {
    /// A page of a project's conversations, newest activity first.
    pub async fn conversations(
        &self,
        project_id: &str,
        filter: &ConversationFilter<'_>,
        limit: i64,
    ) -> Result<Vec<Conversation>, StoreError> {
        let listed = Conditions::new(filter, filter.before);
        let Some(search) = filter.search else {
            let sql = format!(
                "{SELECT} WHERE {} ORDER BY c.last_message_at DESC, c.id DESC LIMIT $2",
                listed.and()
            );
            let query = sqlx::query_as(&sql).bind(project_id).bind(limit);
            return Ok(listed.bind(query, &[]).fetch_all(&self.pool).await?);
        };
        let Some(words) = search_words(search) else {
            return Ok(Vec::new());
        };
        let full_text = self.backend.search_values(&words);
        // The newest of each side's newest `limit` matches.
        let mut found = Vec::new();
        for side in [Side::Contact, Side::Messages] {
            found.extend(
                self.search_side(project_id, filter, side, &full_text, limit)
                    .await?,
            );
        }
        found.sort_by(|a, b| (b.last_message_at, &b.id).cmp(&(a.last_message_at, &a.id)));
        found.dedup_by(|a, b| a.id == b.id);
        found.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(found)
    }

    /// The newest `limit` conversations of the listing `filter` that match `full_text` on
    /// `side`: the newest checked one by one, window after window, then the rest looked up.
    async fn search_side(
        &self,
        project_id: &str,
        filter: &ConversationFilter<'_>,
        side: Side,
        full_text: &[String],
        limit: i64,
    ) -> Result<Vec<Conversation>, StoreError> {
        let listed = Conditions::new(filter, filter.before);
        if let Some(condition) = self.backend.planned_match(side, &listed.next_placeholder()) {
            let sql = format!(
                "{SELECT} WHERE {} AND {condition} ORDER BY c.last_message_at DESC, c.id DESC LIMIT $2",
                listed.and()
            );
            let query = sqlx::query_as(&sql).bind(project_id).bind(limit);
            return Ok(listed.bind(query, full_text).fetch_all(&self.pool).await?);
        }
        let mut found: Vec<Conversation> = Vec::new();
        let mut after = filter.before.map(|(at, id)| (at, id.to_owned()));
        for (n, &window) in side.windows().iter().enumerate() {
            let newer = Conditions::new(filter, after.as_ref().map(|(at, id)| (*at, id.as_str())));
            // Where the window ends, found first: the check walks the window newest first and
            // stops as soon as the page is full. (Checking a window read by a subquery made
            // the database check all of it, to sort what it found.)
            let sql = format!(
                "SELECT c.last_message_at, c.id FROM conversations c WHERE {} \
                 ORDER BY c.last_message_at DESC, c.id DESC LIMIT 1 OFFSET $2",
                newer.and()
            );
            let query = sqlx::query_as(&sql).bind(project_id).bind(window - 1);
            let end: Option<(i64, String)> =
                newer.bind(query, &[]).fetch_all(&self.pool).await?.pop();
            let checked = Conditions::between(
                filter,
                after.as_ref().map(|(at, id)| (*at, id.as_str())),
                end.as_ref().map(|(at, id)| (*at, id.as_str())),
            );
            let sql = format!(
                "{SELECT} WHERE {} AND {} ORDER BY c.last_message_at DESC, c.id DESC LIMIT $2",
                checked.and(),
                self.backend
                    .matches_one_by_one(side, checked.next_number(), full_text.len() - 1)
            );
            let rest = limit - i64::try_from(found.len()).unwrap_or(limit);
            let query = sqlx::query_as(&sql).bind(project_id).bind(rest);
            let matches: Vec<Conversation> =
                checked.bind(query, full_text).fetch_all(&self.pool).await?;
            let none_found = matches.is_empty();
            found.extend(matches);
            if i64::try_from(found.len()).is_ok_and(|n| n >= limit) {
                return Ok(found);
            }
            let Some(end) = end else {
                // The window held every conversation left.
                return Ok(found);
            };
            // The next window, or the look-up, starts after it.
            after = Some(end);
            if n == 0 && none_found {
                break;
            }
        }
        // The rest: the matches older than the windows, looked up.
        let older = Conditions::new(filter, after.as_ref().map(|(at, id)| (*at, id.as_str())));
        let sql = format!(
            "WITH hits(id) AS MATERIALIZED ({}) \
             SELECT {} FROM hits {} conversations c ON c.id = hits.id \
             LEFT JOIN whatsapp_connections w ON w.id = c.whatsapp_config_id WHERE {} \
             ORDER BY c.last_message_at DESC, c.id DESC LIMIT $2",
            self.backend.matching_ids(side, &older.next_placeholder()),
            columns!(),
            self.backend.join_in_order(),
            older.and()
        );
        let rest = limit - i64::try_from(found.len()).unwrap_or(limit);
        let query = sqlx::query_as(&sql).bind(project_id).bind(rest);
        found.extend(older.bind(query, full_text).fetch_all(&self.pool).await?);
        Ok(found)
    }

    /// The conversation `conversation_id` of `project_id`.
    pub async fn conversation(
        &self,
        project_id: &str,
        conversation_id: &str,
    ) -> Result<Option<Conversation>, StoreError> {
        Ok(
            sqlx::query_as(&format!("{SELECT} WHERE c.project_id = $1 AND c.id = $2"))
                .bind(project_id)
                .bind(conversation_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}

/// Replaces a conversation's metadata inside `tx` (audited as `conversation.metadata_update`
/// with the top-level keys, sorted, not the values); `None` when the project has no such
/// conversation.
pub async fn set_conversation_metadata(
    tx: &mut Tx<'_>,
    project_id: &str,
    conversation_id: &str,
    metadata: &serde_json::Map<String, serde_json::Value>,
    actor_id: &str,
) -> Result<Option<Conversation>, StoreError> {
    let updated =
        sqlx::query("UPDATE conversations SET metadata = $1 WHERE project_id = $2 AND id = $3")
            .bind(serde_json::to_string(metadata).unwrap_or_else(|_| "{}".to_owned()))
            .bind(project_id)
            .bind(conversation_id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    if updated == 0 {
        return Ok(None);
    }
    let mut keys: Vec<&String> = metadata.keys().collect();
    keys.sort();
    insert_audit(
        tx,
        &NewAuditEntry::new(
            "conversation.metadata_update",
            Some(project_id),
            Some(actor_id),
            Some(conversation_id),
            serde_json::json!({ "keys": keys }),
        ),
    )
    .await?;
    Ok(Some(conversation_in(tx, conversation_id).await?))
}

/// Marks every message of a conversation read inside `tx` (its unread count becomes 0);
/// `None` when the project has no such conversation.
pub async fn mark_conversation_read(
    tx: &mut Tx<'_>,
    project_id: &str,
    conversation_id: &str,
) -> Result<Option<Conversation>, StoreError> {
    let found =
        sqlx::query("UPDATE conversations SET unread_count = 0 WHERE project_id = $1 AND id = $2")
            .bind(project_id)
            .bind(conversation_id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    if found == 0 {
        return Ok(None);
    }
    Ok(Some(conversation_in(tx, conversation_id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_found_by_any_part_of_it() {
        let contact = StoredContact {
            whatsapp_config_id: None,
            phone_number: Some("14155550123".into()),
            business_user_id: None,
            username: Some("@maria".into()),
            contact_name: Some("Maria Lopez".into()),
        };
        let terms = search_terms(&contact);
        assert!(terms.starts_with("Maria Lopez @maria 14155550123 4155550123"));
        assert!(terms.ends_with(" 123"), "{terms}");
        assert!(terms.split(' ').any(|t| t.starts_with("5550")));
    }

    #[test]
    fn searches_become_prefix_words() {
        assert_eq!(
            search_words("+1 (415) 555-01"),
            Some(vec!["141555501".to_owned()])
        );
        assert_eq!(
            search_words("María  order#1042"),
            Some(vec![
                "maría".to_owned(),
                "order".to_owned(),
                "1042".to_owned()
            ])
        );
        assert_eq!(search_words("\"*() -"), None);
        let words = search_words("Órder b").unwrap();
        assert_eq!(
            Backend::Sqlite.search_values(&words),
            ["\"order\"* AND \"b\"*", " order", " b"],
            "the index's query, then each word as a message's search words hold it"
        );
        assert_eq!(Backend::Postgres.search_values(&words), ["órder:* & b:*"]);
    }
}
