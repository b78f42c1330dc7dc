//! What the machine was doing while a phase ran (Linux `/proc`): its load average, how busy
//! its CPUs were, and the server's own CPU time and memory. On a shared machine a figure
//! means little without them.

/// `/proc` reports process times in clock ticks of 1/100 s (`USER_HZ`) on Linux.
const TICKS_PER_SECOND: f64 = 100.0;

/// The 1-minute load average.
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// Busy and total ticks of all CPUs together.
fn cpu_ticks() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = text
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|field| field.parse().ok())
        .collect();
    let total: u64 = fields.iter().take(8).sum();
    // idle and iowait
    let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

pub fn process_cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name may hold spaces; the fields after it are fixed.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are the 14th and 15th fields of the line, the 12th and 13th after the name.
    #[expect(
        clippy::cast_precision_loss,
        reason = "ticks of one process fit in f64"
    )]
    let seconds = (ticks(11) + ticks(12)) as f64 / TICKS_PER_SECOND;
    seconds
}

/// The server's memory: its peak resident set, and at the end what of it is its own
/// (anonymous) and what is files mapped into it (the database, which `SQLite` reads through a
/// memory map: pages of the operating system's file cache, counted once per connection that
/// mapped them), in MiB.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    pub peak: f64,
    pub own: f64,
    pub files: f64,
}

impl Memory {
    pub fn of(pid: u32) -> Self {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let mib = |field: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(field))
                .and_then(|value| value.split_whitespace().next()?.parse::<f64>().ok())
                .map_or(f64::NAN, |kib| kib / 1024.0)
        };
        Self {
            peak: mib("VmHWM:"),
            own: mib("RssAnon:"),
            files: mib("RssFile:") + mib("RssShmem:"),
        }
    }
}

/// The machine over one phase: started with [`Usage::start`], read with [`Usage::finish`].
pub struct Usage {
    cpu: (u64, u64),
    server_cpu: f64,
    load_before: f64,
}

/// What [`Usage`] saw.
#[derive(Clone, Copy, Debug)]
pub struct Seen {
    /// Share of all CPUs busy (any process), 0 to 1.
    pub busy: f64,
    /// CPU seconds of the server process.
    pub server_cpu: f64,
    pub load_before: f64,
    pub load_after: f64,
}

impl Usage {
    pub fn start(server_cpu: f64) -> Self {
        Self {
            cpu: cpu_ticks(),
            server_cpu,
            load_before: load_average(),
        }
    }

    pub fn finish(&self, server_cpu: f64) -> Seen {
        let (busy, total) = cpu_ticks();
        #[expect(clippy::cast_precision_loss, reason = "tick counts of one phase")]
        let busy_share = (busy - self.cpu.0) as f64 / ((total - self.cpu.1).max(1)) as f64;
        Seen {
            busy: busy_share,
            server_cpu: server_cpu - self.server_cpu,
            load_before: self.load_before,
            load_after: load_average(),
        }
    }
}
