//! The figures of one backend's run, printed as the Markdown tables of
//! `bench/inbox/README.md`.

use std::fmt::Write as _;

use crate::Settings;
use crate::list::Timed;
use crate::live::Live;
use crate::machine::Seen;
use crate::seed::Seeded;
use crate::stats::Summary;
use crate::webhook::Flood;

pub struct Report {
    backend: &'static str,
    senders: usize,
    notes: Vec<String>,
    seed: String,
    list: String,
    ingest: String,
    live: String,
    pub memory: Option<crate::machine::Memory>,
}

fn machine(seen: &Seen) -> String {
    format!(
        "CPUs {:.0}% busy, server {:.1} CPU s, load {:.1} → {:.1}",
        seen.busy * 100.0,
        seen.server_cpu,
        seen.load_before,
        seen.load_after
    )
}

fn row(summary: &Summary) -> String {
    format!(
        "{} | {:.1} | {:.1} | {:.1} | {:.1}",
        summary.count, summary.p50, summary.p95, summary.p99, summary.max
    )
}

impl Report {
    pub fn new(backend: &'static str, settings: &Settings) -> Self {
        Self {
            backend,
            senders: settings.senders,
            notes: Vec::new(),
            seed: String::new(),
            list: String::new(),
            ingest: String::new(),
            live: String::new(),
            memory: None,
        }
    }

    pub fn note(&mut self, note: String) {
        eprintln!("  {note}");
        self.notes.push(note);
    }

    pub fn seeded(&mut self, seeded: &Seeded, conversations: usize, messages: usize) {
        self.seed = format!(
            "history: {conversations} conversations, {messages} messages in the project ({} conversations and {} messages seeded in {:.0} s; the first {} written step by step through the store's writers and found equal to the rows the seed writes for the rest)",
            seeded.conversations, seeded.messages, seeded.seconds, seeded.checked
        );
        eprintln!("  {}", self.seed);
    }

    pub fn list(&mut self, timed: Vec<Timed>, seen: &Seen) {
        for kind in timed {
            let _ = writeln!(
                self.list,
                "| {}{} | {} | {:.1} |",
                kind.kind,
                if kind.cut_short {
                    " (time budget spent)"
                } else {
                    ""
                },
                row(&kind.latencies.summary()),
                kind.found_per_request
            );
        }
        let _ = writeln!(self.list, "\n({})", machine(seen));
        eprint!("{}", self.list);
    }

    pub fn ingest(&mut self, into: &str, flood: &Flood, seen: &Seen) {
        #[expect(clippy::cast_precision_loss, reason = "a count of deliveries")]
        let cpu_per_delivery = seen.server_cpu / flood.deliveries as f64 * 1e6;
        let summary = flood.latencies.summary();
        #[expect(clippy::cast_precision_loss, reason = "a count of deliveries")]
        let per_batch = flood.deliveries as f64 / flood.batches;
        let line = format!(
            "| {into} | {} | {:.1} | **{:.0}** | {:.1} | {:.1} | {:.1} | {per_batch:.1} | {cpu_per_delivery:.0} µs | {:.0}% | {:.1} → {:.1} |\n",
            flood.deliveries,
            flood.seconds,
            flood.per_second(),
            summary.p50,
            summary.p95,
            summary.p99,
            seen.busy * 100.0,
            seen.load_before,
            seen.load_after,
        );
        eprint!("{line}");
        self.ingest.push_str(&line);
        for (failure, count) in &flood.failures {
            self.note(format!("webhook ({into}): {count} × {failure}"));
        }
    }

    pub fn live(&mut self, live: &Live, seen: &Seen) {
        self.live = format!(
            "| webhook POST sent → `message.created` read, each client | {} | {} |\n\
             | webhook POST sent → 200 | {} | — |\n\n\
             {} clients over {} accounts, connected in {:.1} s; {} deliveries; {} events missing. ({})\n",
            row(&live.received.summary()),
            live.clients,
            row(&live.acknowledged.summary()),
            live.clients,
            live.accounts,
            live.connect_seconds,
            live.deliveries,
            live.missing,
            machine(seen),
        );
        eprint!("{}", self.live);
    }

    pub fn print(&self) {
        println!("\n## {}\n", self.backend);
        println!("{}\n", self.seed);
        for note in &self.notes {
            println!("- {note}");
        }
        println!(
            "\n| request (one at a time) | count | p50 ms | p95 ms | p99 ms | max ms | conversations found |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|");
        print!("{}", self.list);
        println!(
            "\n| webhook ingestion, {} senders | deliveries | s | deliveries/s | p50 ms | p95 ms | p99 ms | deliveries per commit | server CPU/delivery | CPUs busy | load |",
            self.senders
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        print!("{}", self.ingest);
        if !self.live.is_empty() {
            println!("\n| live | count | p50 ms | p95 ms | p99 ms | max ms | clients |");
            println!("|---|---:|---:|---:|---:|---:|---:|");
            print!("{}", self.live);
        }
        if let Some(memory) = self.memory {
            println!(
                "\nserver peak RSS: {:.0} MiB; at the end {:.0} MiB its own and {:.0} MiB of mapped files (the database, read through a memory map)",
                memory.peak, memory.own, memory.files
            );
        }
    }
}
