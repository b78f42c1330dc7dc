//! The inbox benchmark (issue #20; `bench/inbox/README.md` has the figures and how to run it).
//!
//! Against a real `quire serve` on loopback, on `SQLite` and on `PostgreSQL`: signed webhook
//! ingestion into an empty database; a history of 100,000 conversations and 1,000,000
//! messages written through the store's own writers; the conversation list (first page,
//! searches, unread, next pages) one request after another; ingestion again on the full
//! database; and a thousand live clients timing each new message's `message.created`.
//! It measures and prints tables; it asserts no time.

mod list;
mod live;
mod machine;
mod meta;
mod people;
mod report;
mod seed;
mod server;
mod stats;
mod texts;
mod thread;
mod webhook;
mod world;

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use quire_store::{Store, now_ms};
use rand::seq::SliceRandom;

use crate::machine::Usage;
use crate::report::Report;
use crate::server::{Database, PROJECT, Server};
use crate::world::World;

/// Contacts per live-client account: the server lets one account hold 32 streams.
const STREAMS_PER_ACCOUNT: usize = 25;
/// Webhook deliveries per contact in the empty database, on average.
const DELIVERIES_PER_NEW_CONTACT: usize = 5;
/// Share of deliveries from contacts without a conversation yet, on the full database.
const NEW_CONTACT_SHARE: f64 = 0.2;
/// Deliveries whose stored rows are compared with what the seed would write.
const CHECKED_DELIVERIES: usize = 300;
/// The server's count of the delivery writer's transactions.
const BATCHES: &str = "quire_whatsapp_delivery_batches_total";

/// The run's settings, from the environment.
struct Settings {
    binary: PathBuf,
    databases: Vec<Database>,
    conversations: usize,
    messages: usize,
    deliveries: usize,
    senders: usize,
    requests: usize,
    /// The most time spent on one kind of list request.
    list_budget: Duration,
    clients: usize,
    live_deliveries: usize,
    live_pause: Duration,
    work: PathBuf,
    /// Keep the data directory and the `PostgreSQL` database after the run, to look into.
    keep: bool,
}

fn setting<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .map_err(|_| anyhow::anyhow!("{name}={text:?} is not a valid value")),
        Err(_) => Ok(default),
    }
}

impl Settings {
    fn from_env() -> anyhow::Result<Self> {
        let postgres: String = setting(
            "POSTGRES_URL",
            "postgres://postgres@127.0.0.1:5432/test".to_owned(),
        )?;
        let databases = setting("BACKENDS", "sqlite,postgres".to_owned())?
            .split(',')
            .map(|backend| match backend.trim() {
                "sqlite" => Ok(Database::Sqlite),
                "postgres" => Ok(Database::Postgres {
                    admin_url: postgres.clone(),
                    name: "quire_bench".to_owned(),
                }),
                other => anyhow::bail!("BACKENDS names {other:?}: use sqlite, postgres or both"),
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self {
            binary: setting("QUIRE_BIN", PathBuf::from("target/release/quire"))?,
            databases,
            conversations: setting("CONVERSATIONS", 100_000)?,
            messages: setting("MESSAGES", 1_000_000)?,
            deliveries: setting("DELIVERIES", 20_000)?,
            senders: setting("SENDERS", 32)?,
            requests: setting("REQUESTS", 500)?,
            list_budget: Duration::from_secs(setting("LIST_BUDGET_SECS", 60)?),
            clients: setting("CLIENTS", 1000)?,
            live_deliveries: setting("LIVE_DELIVERIES", 40)?,
            live_pause: Duration::from_millis(setting("LIVE_PAUSE_MS", 250)?),
            work: setting("WORK_DIR", std::env::temp_dir())?,
            keep: setting("KEEP", 0)? == 1,
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    anyhow::ensure!(
        settings.binary.is_file(),
        "{} is not a quire binary: build one (cargo build --release --bin quire) or set QUIRE_BIN",
        settings.binary.display()
    );
    anyhow::ensure!(
        settings.messages >= settings.conversations,
        "MESSAGES must be at least CONVERSATIONS (every conversation has a message)"
    );
    let mut reports = Vec::new();
    for database in &settings.databases {
        eprintln!("== {}", database.label());
        database.create().await?;
        let work = tempfile::Builder::new()
            .prefix("quire-inbox-bench-")
            .tempdir_in(&settings.work)?;
        let outcome = run(&settings, database, work.path()).await;
        if outcome.is_err() || settings.keep {
            eprintln!(
                "the server's data and log are kept: {}",
                work.keep().display()
            );
        }
        if !settings.keep {
            database.drop_it().await?;
        }
        reports.push(outcome?);
    }
    for report in reports {
        report.print();
    }
    Ok(())
}

/// What every phase of one backend's run uses.
struct Run<'a> {
    settings: &'a Settings,
    server: Server,
    store: Store,
    project_id: String,
    world: World,
    report: Report,
}

async fn run(settings: &Settings, database: &Database, work: &Path) -> anyhow::Result<Report> {
    let server = Server::start(&settings.binary, work, database).await?;
    let numbers = vec![
        server
            .connect_number(
                "Support",
                "106540352242922",
                "15550783881",
                "5f2b8c9e1d7a4b3c6e0f9a8d7c6b5a41",
            )
            .await?,
        server
            .connect_number(
                "Sales",
                "106540352242923",
                "15550783882",
                "9a1c3e5f7b2d4f6a8c0e1b3d5f7a9c22",
            )
            .await?,
    ];
    let store = Store::connect(&server.database_url).await?;
    let project_id = store
        .project(PROJECT)
        .await?
        .context("the default project")?
        .id;
    let mut run = Run {
        settings,
        server,
        store,
        project_id,
        world: World::new(numbers),
        report: Report::new(database.label(), settings),
    };
    // 1. Ingestion into an empty database, from contacts writing a few messages each.
    let contacts = (0..settings.deliveries / DELIVERIES_PER_NEW_CONTACT)
        .map(|_| run.world.new_contact())
        .count();
    let delivered = run.ingest("empty database", 0.0, 0..contacts).await?;
    // 2. The history, written as ingestion writes, checked first against what it wrote.
    run.check_seed(&delivered).await?;
    run.seed(database).await?;
    // 3. The conversation list.
    eprintln!("timing the conversation list");
    run.server.wait_quiet().await;
    let usage = Usage::start(run.server.cpu_seconds());
    let timed = list::measure(
        &run.server,
        &mut run.world.rng,
        &run.world.contacts,
        settings.requests,
        settings.list_budget,
    )
    .await?;
    run.report
        .list(timed, &usage.finish(run.server.cpu_seconds()));
    // 4. Ingestion into the full database, mostly from contacts who wrote before.
    let existing = 0..run.world.contacts.len();
    run.ingest("full database", NEW_CONTACT_SHARE, existing.clone())
        .await?;
    // 5. Live clients.
    if settings.clients > 0 {
        run.live(existing).await?;
    }
    run.report.memory = Some(run.server.memory());
    run.store.close().await;
    run.server.stop()?;
    Ok(run.report)
}

impl Run<'_> {
    /// Posts `DELIVERIES` signed deliveries, each a new message from a new contact (with
    /// probability `new_share`) or one of `existing`; answers the messages.
    async fn ingest(
        &mut self,
        into: &str,
        new_share: f64,
        existing: Range<usize>,
    ) -> anyhow::Result<Vec<(usize, meta::Incoming)>> {
        let messages = self.world.messages(
            self.settings.deliveries,
            new_share,
            existing,
            now_ms() / 1000,
        );
        // Bodies and signatures are made before the clock starts.
        let signed: Vec<_> = messages
            .iter()
            .map(|(contact, message)| self.world.delivery(*contact, message))
            .collect();
        eprintln!(
            "ingesting {} signed deliveries into the {into}",
            signed.len()
        );
        self.server.wait_quiet().await;
        let batches = self.server.counter(BATCHES).await?;
        let usage = Usage::start(self.server.cpu_seconds());
        let mut flood = webhook::flood(&self.server, signed, self.settings.senders).await;
        flood.batches = self.server.counter(BATCHES).await? - batches;
        self.report
            .ingest(into, &flood, &usage.finish(self.server.cpu_seconds()));
        Ok(messages)
    }

    /// Compares what ingestion stored for `delivered` with what the seed would write.
    async fn check_seed(&mut self, delivered: &[(usize, meta::Incoming)]) -> anyhow::Result<()> {
        let sample: Vec<_> = delivered
            .choose_multiple(&mut self.world.rng, CHECKED_DELIVERIES)
            .map(|(_, message)| message.clone())
            .collect();
        let compared = seed::check_stored_form(&self.store, &self.project_id, &sample).await?;
        // Deliveries of one contact carry the same second and race, so the preview is
        // checked where the contact sent one message only.
        let mut sent_by: HashMap<usize, Vec<&meta::Incoming>> = HashMap::new();
        for (contact, message) in delivered {
            sent_by.entry(*contact).or_default().push(message);
        }
        let lasts: Vec<_> = sent_by
            .into_iter()
            .filter(|(_, sent)| sent.len() == 1)
            .take(CHECKED_DELIVERIES)
            .map(|(contact, sent)| {
                let person = &self.world.contacts[contact].person;
                let key = person.wa_id.clone().or_else(|| person.user_id.clone());
                (key.unwrap_or_default(), sent[0].clone())
            })
            .collect();
        let previews = seed::check_previews(&self.store, &self.project_id, &lasts).await?;
        self.report.note(format!(
            "seed checked against ingestion: {compared} delivered messages stored with the seed's type, body and data; {previews} conversations with its preview"
        ));
        Ok(())
    }

    /// Writes conversations and messages up to `CONVERSATIONS` and `MESSAGES`.
    async fn seed(&mut self, database: &Database) -> anyhow::Result<()> {
        let (had_conversations, had_messages) = counts(&self.store, &self.project_id).await?;
        let to_add = self
            .settings
            .conversations
            .saturating_sub(had_conversations);
        let first_new = self.world.contacts.len();
        for _ in 0..to_add {
            self.world.new_contact();
        }
        let messages = self
            .settings
            .messages
            .saturating_sub(had_messages)
            .max(to_add);
        let lengths = seed::thread_lengths(&mut self.world.rng, to_add, messages);
        let workers = match database {
            Database::Sqlite => 1,
            Database::Postgres { .. } => 4,
        };
        eprintln!("seeding {to_add} conversations with {messages} messages ({workers} writers)");
        let agent = self
            .store
            .first_user_id()
            .await?
            .context("the first owner")?;
        let seeded = seed::seed(
            &self.store,
            &self.project_id,
            &agent,
            &self.world.numbers,
            &self.world.contacts[first_new..],
            &lengths,
            workers,
        )
        .await?;
        if matches!(database, Database::Postgres { .. }) {
            // What autovacuum does after a bulk load, done now rather than during the run.
            sqlx::query("VACUUM ANALYZE")
                .execute(self.store.pool())
                .await?;
        }
        let (conversations, messages) = counts(&self.store, &self.project_id).await?;
        self.report.seeded(&seeded, conversations, messages);
        Ok(())
    }

    /// `CLIENTS` event streams over member accounts of their own, timing
    /// `LIVE_DELIVERIES` new messages from contacts of `existing` (or new ones).
    async fn live(&mut self, existing: Range<usize>) -> anyhow::Result<()> {
        let clients = self.settings.clients;
        let accounts = clients.div_ceil(STREAMS_PER_ACCOUNT);
        eprintln!("making {accounts} member accounts for {clients} live clients");
        let tokens = (0..accounts)
            .map(|n| self.server.member_token(&format!("live{n}@bench.example")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let messages = self.world.messages(
            self.settings.live_deliveries,
            NEW_CONTACT_SHARE,
            existing,
            now_ms() / 1000,
        );
        let deliveries = messages
            .iter()
            .map(|(contact, message)| {
                (
                    message.wamid.clone(),
                    self.world.delivery(*contact, message),
                )
            })
            .collect();
        eprintln!(
            "timing {} deliveries to {clients} live clients",
            messages.len()
        );
        self.server.wait_quiet().await;
        let usage = Usage::start(self.server.cpu_seconds());
        let live = live::measure(
            &self.server,
            &tokens,
            clients,
            deliveries,
            self.settings.live_pause,
        )
        .await?;
        self.report
            .live(&live, &usage.finish(self.server.cpu_seconds()));
        Ok(())
    }
}

/// The project's conversations and messages.
async fn counts(store: &Store, project_id: &str) -> anyhow::Result<(usize, usize)> {
    let count = |table: &str| format!("SELECT COUNT(*) FROM {table} WHERE project_id = $1");
    let conversations: i64 = sqlx::query_scalar(&count("conversations"))
        .bind(project_id)
        .fetch_one(store.pool())
        .await?;
    let messages: i64 = sqlx::query_scalar(&count("messages"))
        .bind(project_id)
        .fetch_one(store.pool())
        .await?;
    Ok((usize::try_from(conversations)?, usize::try_from(messages)?))
}
