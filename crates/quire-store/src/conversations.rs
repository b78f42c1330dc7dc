//! Inbox conversations: one per contact and WhatsApp number of a project, keyed by the
//! contact's `wa_id` when WhatsApp gives it and by the business-scoped user id otherwise. The
//! list pages by newest activity and searches names, usernames, numbers (any part of them) and
//! message text through each backend's full-text index.

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use crate::audit::{NewAuditEntry, insert_audit};
use crate::messages::MessageDirection;
use crate::{Backend, Store, StoreError, Tx, backend_of, new_ordered_id, parse_column};

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
    pub unread_count: i64,
    pub created_at: i64,
    /// The number of the conversation's connection as people read it.
    pub display_phone_number: Option<String>,
}

impl FromRow<'_, AnyRow> for Conversation {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        let metadata: String = row.try_get("metadata")?;
        let direction: Option<String> = row.try_get("last_message_direction")?;
        Ok(Self {
            id: row.try_get("id")?,
            project_id: row.try_get("project_id")?,
            whatsapp_config_id: row.try_get("whatsapp_config_id")?,
            whatsapp_phone_number_id: row.try_get("whatsapp_phone_number_id")?,
            contact_key: row.try_get("contact_key")?,
            phone_number: row.try_get("phone_number")?,
            business_user_id: row.try_get("business_user_id")?,
            username: row.try_get("username")?,
            contact_name: row.try_get("contact_name")?,
            metadata: serde_json::from_str(&metadata)
                .unwrap_or_else(|_| serde_json::Value::Object(serde_json::Map::new())),
            last_message_at: row.try_get("last_message_at")?,
            last_message_preview: row.try_get("last_message_preview")?,
            last_message_direction: match direction {
                Some(_) => Some(parse_column(row, "last_message_direction")?),
                None => None,
            },
            unread_count: row.try_get("unread_count")?,
            created_at: row.try_get("created_at")?,
            display_phone_number: row.try_get("display_phone_number")?,
        })
    }
}

/// The columns every conversation read answers, of `c` and its connection `w`.
macro_rules! columns {
    () => {
        "c.id, c.project_id, c.whatsapp_config_id, c.whatsapp_phone_number_id, \
         c.contact_key, c.phone_number, c.business_user_id, c.username, c.contact_name, c.metadata, \
         c.last_message_at, c.last_message_preview, c.last_message_direction, c.unread_count, \
         c.created_at, w.display_phone_number"
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

/// The conversation of a contact, by its key or else its business-scoped id: two lookups,
/// each by its own index (written as one `OR`, `SQLite`, without statistics, walked every
/// conversation of the number).
const CONTACT_LOOKUP: &str = "SELECT 0 AS preference, id FROM conversations WHERE project_id = $1 \
     AND whatsapp_phone_number_id = $2 AND contact_key = $3 \
     UNION ALL \
     SELECT 1 AS preference, id FROM conversations WHERE project_id = $1 \
     AND whatsapp_phone_number_id = $2 AND business_user_id = $4";

/// The contact fields of a stored conversation, as the upsert compares them.
#[derive(Debug, PartialEq, FromRow)]
struct StoredContact {
    id: String,
    whatsapp_config_id: Option<String>,
    phone_number: Option<String>,
    business_user_id: Option<String>,
    username: Option<String>,
    contact_name: Option<String>,
}

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
/// Answers the conversation's id.
///
/// A conversation found by the business-scoped user id keeps its key when the number becomes
/// known (or is withheld again), so the contact stays one conversation.
///
/// On `PostgreSQL` the conversation stays locked until `tx` ends; a writer of several
/// conversations takes them in one order (by contact key) so that two never wait on each other.
pub async fn upsert_conversation(
    tx: &mut Tx,
    seen: &ContactSeen<'_>,
    at: i64,
) -> Result<String, StoreError> {
    let Some(key) = seen.wa_id.or(seen.user_id) else {
        return Err(StoreError::NotFound {
            what: "a contact id (wa_id or user_id) in the delivery".to_owned(),
        });
    };
    // On PostgreSQL the row is locked from here on, even when nothing of it changes: what the
    // transaction writes for this conversation next (its messages, their unread count) then
    // waits behind any other writer of the conversation as a whole.
    let lock = match backend_of(tx) {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "SELECT id, whatsapp_config_id, phone_number, business_user_id, username, contact_name \
         FROM conversations WHERE id = \
         (SELECT id FROM ({CONTACT_LOOKUP}) found ORDER BY preference LIMIT 1){lock}"
    );
    let found: Option<StoredContact> = sqlx::query_as(&sql)
        .bind(seen.project_id)
        .bind(seen.phone_number_id)
        .bind(key)
        .bind(seen.user_id)
        .fetch_optional(&mut **tx)
        .await?;
    let or_kept =
        |given: Option<&str>, kept: Option<&String>| given.map(str::to_owned).or(kept.cloned());
    let contact = StoredContact {
        id: found.as_ref().map_or_else(new_ordered_id, |f| f.id.clone()),
        whatsapp_config_id: Some(seen.connection_id.to_owned()),
        phone_number: or_kept(
            seen.wa_id,
            found.as_ref().and_then(|f| f.phone_number.as_ref()),
        ),
        business_user_id: or_kept(
            seen.user_id,
            found.as_ref().and_then(|f| f.business_user_id.as_ref()),
        ),
        username: or_kept(
            seen.username,
            found.as_ref().and_then(|f| f.username.as_ref()),
        ),
        contact_name: or_kept(
            seen.name,
            found.as_ref().and_then(|f| f.contact_name.as_ref()),
        ),
    };
    if found.as_ref() == Some(&contact) {
        return Ok(contact.id);
    }
    let terms = search_terms(&contact);
    if found.is_some() {
        sqlx::query(
            "UPDATE conversations SET whatsapp_config_id = $1, phone_number = $2, business_user_id = $3, \
             username = $4, contact_name = $5, search_terms = $6 WHERE id = $7",
        )
        .bind(&contact.whatsapp_config_id)
        .bind(&contact.phone_number)
        .bind(&contact.business_user_id)
        .bind(&contact.username)
        .bind(&contact.contact_name)
        .bind(&terms)
        .bind(&contact.id)
        .execute(&mut **tx)
        .await?;
        return Ok(contact.id);
    }
    // Another delivery may create the same conversation meanwhile (on PostgreSQL); the
    // conflict clause makes the later one an update instead of an error.
    Ok(sqlx::query_scalar(
        "INSERT INTO conversations (id, project_id, whatsapp_config_id, whatsapp_phone_number_id, \
         contact_key, phone_number, business_user_id, username, contact_name, last_message_at, \
         created_at, search_terms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) \
         ON CONFLICT (project_id, whatsapp_phone_number_id, contact_key) DO UPDATE SET \
         whatsapp_config_id = excluded.whatsapp_config_id, \
         phone_number = COALESCE(excluded.phone_number, conversations.phone_number), \
         business_user_id = COALESCE(excluded.business_user_id, conversations.business_user_id), \
         username = COALESCE(excluded.username, conversations.username), \
         contact_name = COALESCE(excluded.contact_name, conversations.contact_name), \
         search_terms = excluded.search_terms \
         RETURNING id",
    )
    .bind(&contact.id)
    .bind(seen.project_id)
    .bind(&contact.whatsapp_config_id)
    .bind(seen.phone_number_id)
    .bind(key)
    .bind(&contact.phone_number)
    .bind(&contact.business_user_id)
    .bind(&contact.username)
    .bind(&contact.contact_name)
    .bind(at)
    .bind(&terms)
    .fetch_one(&mut **tx)
    .await?)
}

/// A message a conversation just got, as its list entry shows it.
pub struct Activity<'a> {
    /// When the message was sent; an older message arriving late leaves the preview alone.
    pub at: i64,
    pub preview: &'a str,
    pub direction: MessageDirection,
    /// Whether it counts as unread (a new inbound message).
    pub unread: bool,
}

/// Brings the conversation's list entry up to date with a new message.
pub async fn record_activity(
    tx: &mut Tx,
    conversation_id: &str,
    activity: &Activity<'_>,
) -> Result<(), StoreError> {
    // Every right-hand side reads the row as it was, in both backends.
    sqlx::query(
        "UPDATE conversations SET unread_count = unread_count + $1, \
         last_message_preview = CASE WHEN $2 >= last_message_at THEN $3 ELSE last_message_preview END, \
         last_message_direction = CASE WHEN $2 >= last_message_at THEN $4 ELSE last_message_direction END, \
         last_message_at = CASE WHEN $2 >= last_message_at THEN $2 ELSE last_message_at END \
         WHERE id = $5",
    )
    .bind(i64::from(activity.unread))
    .bind(activity.at)
    .bind(activity.preview)
    .bind(activity.direction.as_str())
    .bind(conversation_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The conversation `conversation_id`, read inside a transaction (after a change in it).
pub async fn conversation_in(
    tx: &mut Tx,
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
pub async fn conversations_in(tx: &mut Tx, ids: &[&str]) -> Result<Vec<Conversation>, StoreError> {
    /// Ids per statement: `SQLite` finds each parameter by name, which costs more the more a
    /// statement has.
    const IDS_PER_STATEMENT: usize = 64;
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let places: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let sql = format!("{SELECT} WHERE c.id IN ({})", places.join(", "));
        let mut query = sqlx::query_as(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        found.extend(query.fetch_all(&mut **tx).await?);
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
    /// The full-text query that finds texts with a word starting with each of `words`.
    fn prefix_query(self, words: &[String]) -> String {
        match self {
            // Quoted, so a word is never read as an FTS5 operator.
            Backend::Sqlite => words
                .iter()
                .map(|word| format!("\"{word}\"*"))
                .collect::<Vec<_>>()
                .join(" AND "),
            // Words hold letters and digits only: nothing in them is tsquery syntax.
            Backend::Postgres => words
                .iter()
                .map(|word| format!("{word}:*"))
                .collect::<Vec<_>>()
                .join(" & "),
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

    /// The sides a search looks on, apart. On `SQLite` both at once: a window's check of the
    /// messages is cheap once the index answered, so one walk stops as soon as either side
    /// filled the page. On `PostgreSQL` apart: the contacts by the planner, and the messages,
    /// whose check reads them, only as far as their own matches need.
    fn search_sides(self) -> &'static [Side] {
        match self {
            Backend::Sqlite => &[Side::Either],
            Backend::Postgres => &[Side::Contact, Side::Messages],
        }
    }

    /// How many conversations a search checks one by one on `side`, newest first, window
    /// after window, before it looks up the rest of that side's matches instead. Checking a
    /// conversation costs about the same whatever the words; looking the matches up costs in
    /// proportion to how many there are. So common words find their page among the newest
    /// conversations, and rare words look their few matches up. Where the first window finds
    /// nothing, the words are rare enough to look up at once.
    fn search_windows(self, side: Side) -> &'static [i64] {
        match (self, side) {
            // Checking a conversation there reads its messages.
            (Backend::Postgres, Side::Messages) => &[200, 1800],
            // Cheap checks; on SQLite each window reads the index's matches again.
            _ => &[2000],
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

    /// The condition that conversation `c`, already at hand, matches the full-text query
    /// bound as `$query` on `side`: checked for each conversation in turn, so it must not cost
    /// in proportion to all the matches.
    fn matches_one_by_one(self, side: Side, query: &str) -> String {
        match (self, side) {
            (_, Side::Either) => format!(
                "({} OR {})",
                self.matches_one_by_one(Side::Contact, query),
                self.matches_one_by_one(Side::Messages, query)
            ),
            (Backend::Sqlite, Side::Contact) => format!(
                "c.seq IN (SELECT rowid FROM conversations_search WHERE conversations_search MATCH {query})"
            ),
            // The index answers the matching message rowids once per query; each
            // conversation's messages are then looked for among them through the thread index.
            (Backend::Sqlite, Side::Messages) => format!(
                "EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id \
                 AND m.seq IN (SELECT rowid FROM messages_search WHERE messages_search MATCH {query}))"
            ),
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
            (_, Side::Either) => format!(
                "{} UNION {}",
                self.matching_ids(Side::Contact, query),
                self.matching_ids(Side::Messages, query)
            ),
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

/// What a search matches: the contact (name, username, business-scoped id, number), the
/// text of one of the conversation's messages, or either. A page of matches is the newest of
/// either, found on both sides at once or on each side apart and then merged.
#[derive(Clone, Copy, Debug)]
enum Side {
    Contact,
    Messages,
    Either,
}

/// The conditions of a conversation listing, with the values they bind after `$1` (the
/// project) and `$2` (the limit).
struct Conditions {
    sql: Vec<String>,
    texts: Vec<String>,
    before: Option<(i64, String)>,
}

impl Conditions {
    /// The project's conversations after `before`, narrowed by `filter`'s unread and
    /// connection (not its search or cursor).
    fn new(filter: &ConversationFilter<'_>, before: Option<(i64, &str)>) -> Self {
        let mut sql = vec!["c.project_id = $1".to_owned()];
        let mut texts = Vec::new();
        let mut next = 3;
        if before.is_some() {
            sql.push(format!(
                "(c.last_message_at, c.id) < (${next}, ${})",
                next + 1
            ));
            next += 2;
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
        Self {
            sql,
            texts,
            before: before.map(|(at, id)| (at, id.to_owned())),
        }
    }

    /// The placeholder of the next value bound.
    fn next_placeholder(&self) -> String {
        format!(
            "${}",
            3 + 2 * usize::from(self.before.is_some()) + self.texts.len()
        )
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
        if let Some((at, id)) = &self.before {
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
        let full_text = vec![self.backend.prefix_query(&words)];
        // The newest of each side's newest `limit` matches.
        let mut found = Vec::new();
        for &side in self.backend.search_sides() {
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
        for (n, &window) in self.backend.search_windows(side).iter().enumerate() {
            let rest = limit - i64::try_from(found.len()).unwrap_or(limit);
            let newer = Conditions::new(filter, after.as_ref().map(|(at, id)| (*at, id.as_str())));
            let sql = format!(
                "SELECT {} FROM (SELECT * FROM conversations c WHERE {} \
                 ORDER BY c.last_message_at DESC, c.id DESC LIMIT {window}) c \
                 LEFT JOIN whatsapp_connections w ON w.id = c.whatsapp_config_id WHERE {} \
                 ORDER BY c.last_message_at DESC, c.id DESC LIMIT $2",
                columns!(),
                newer.and(),
                self.backend
                    .matches_one_by_one(side, &newer.next_placeholder())
            );
            let query = sqlx::query_as(&sql).bind(project_id).bind(rest);
            let checked: Vec<Conversation> =
                newer.bind(query, full_text).fetch_all(&self.pool).await?;
            let none_found = checked.is_empty();
            found.extend(checked);
            if i64::try_from(found.len()).is_ok_and(|n| n >= limit) {
                return Ok(found);
            }
            // Where the window ends: the next window, or the look-up, starts after it.
            let sql = format!(
                "SELECT c.last_message_at, c.id FROM conversations c WHERE {} \
                 ORDER BY c.last_message_at DESC, c.id DESC LIMIT 1 OFFSET $2",
                newer.and()
            );
            let query = sqlx::query_as(&sql).bind(project_id).bind(window - 1);
            let Some(end): Option<(i64, String)> =
                newer.bind(query, &[]).fetch_all(&self.pool).await?.pop()
            else {
                // The window held every conversation left.
                return Ok(found);
            };
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
    tx: &mut Tx,
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
    tx: &mut Tx,
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
            id: "c".into(),
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
        let words = search_words("a b").unwrap();
        assert_eq!(Backend::Sqlite.prefix_query(&words), "\"a\"* AND \"b\"*");
        assert_eq!(Backend::Postgres.prefix_query(&words), "a:* & b:*");
    }
}
