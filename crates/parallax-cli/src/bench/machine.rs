//! Facts about the machine and the server process: cores, CPU, memory, kernel, peak RSS and the
//! size of a data directory. Linux `/proc` only; elsewhere the facts read as unknown.

use serde_json::{json, Value};
use std::path::Path;

pub struct Machine {
    pub cores: usize,
    pub cpu_model: String,
    pub mem_total_mb: Option<u64>,
    pub kernel: String,
    pub build: &'static str,
}

impl Machine {
    pub fn read() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or_else(|| "unknown".to_owned(), |(_, v)| v.trim().to_owned());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        Machine {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model,
            mem_total_mb: kb_field(&meminfo, "MemTotal:").map(|kb| kb / 1024),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map_or_else(|_| "unknown".to_owned(), |s| s.trim().to_owned()),
            build: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "cores": self.cores,
            "cpu_model": self.cpu_model,
            "mem_total_mb": self.mem_total_mb,
            "kernel": self.kernel,
            "build": self.build,
        })
    }
}

/// A `Name:   1234 kB` field of a `/proc` status-like file, in kB.
fn kb_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find(|l| l.starts_with(name))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Peak resident set size (VmHWM) of a process, `None` for this process, in MB.
pub fn peak_rss_mb(pid: Option<u32>) -> Option<f64> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/status"),
        None => "/proc/self/status".to_owned(),
    };
    let status = std::fs::read_to_string(path).ok()?;
    kb_field(&status, "VmHWM:").map(|kb| kb as f64 / 1024.0)
}

/// CPU time (user + system, all threads) a process has used, in seconds; `None` for this process.
/// Unlike wall time, it barely moves when other work shares the cores, so it tells a busy
/// machine's run from a slow server. Linux reports it in ticks of 1/100 s.
pub fn cpu_seconds(pid: Option<u32>) -> Option<f64> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/stat"),
        None => "/proc/self/stat".to_owned(),
    };
    stat_cpu_seconds(&std::fs::read_to_string(path).ok()?)
}

/// CPU time (user + system) of the threads of a process named `thread`, in seconds; `None` for
/// this process. The store's single writer thread is the serial part of ingest, so its time per
/// span sets the rate no number of cores can exceed.
pub fn thread_cpu_seconds(pid: Option<u32>, thread: &str) -> Option<f64> {
    let dir = match pid {
        Some(p) => format!("/proc/{p}/task"),
        None => "/proc/self/task".to_owned(),
    };
    let mut total = None;
    for task in std::fs::read_dir(dir).ok()?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim_end() != thread {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
        *total.get_or_insert(0.0) += stat_cpu_seconds(&stat)?;
    }
    total
}

/// utime + stime from a `/proc/.../stat` line, in seconds (Linux counts ticks of 1/100 s).
fn stat_cpu_seconds(stat: &str) -> Option<f64> {
    // Fields after the command name (which may contain spaces) start at the state, field 3.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// CPU ticks of the whole machine (all cores, every process and the kernel): busy and total.
/// Unlike a process's CPU time, this includes the kernel threads that write dirty pages back
/// to the disk, so it tells whether the cores were saturated.
#[derive(Debug, Clone, Copy)]
pub struct MachineTicks {
    pub busy: u64,
    pub iowait: u64,
    pub total: u64,
}

pub fn machine_ticks() -> Option<MachineTicks> {
    parse_machine_ticks(&std::fs::read_to_string("/proc/stat").ok()?)
}

/// The first line of `/proc/stat`: `cpu user nice system idle iowait irq softirq steal …`.
fn parse_machine_ticks(stat: &str) -> Option<MachineTicks> {
    let line = stat.lines().next()?;
    let mut fields = line.split_whitespace();
    if fields.next()? != "cpu" {
        return None;
    }
    let t: Vec<u64> = fields
        .take(8)
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    let [user, nice, system, idle, iowait, irq, softirq, steal] = t[..] else {
        return None;
    };
    Some(MachineTicks {
        busy: user + nice + system + irq + softirq + steal,
        iowait,
        total: user + nice + system + idle + iowait + irq + softirq + steal,
    })
}

impl MachineTicks {
    /// The shares of all cores' time between `self` and a later reading: busy, waiting for I/O.
    pub fn shares_until(self, later: MachineTicks) -> Option<(f64, f64)> {
        let total = later.total.checked_sub(self.total).filter(|t| *t > 0)? as f64;
        let busy = later.busy.checked_sub(self.busy)? as f64;
        let iowait = later.iowait.checked_sub(self.iowait)? as f64;
        Some((busy / total, iowait / total))
    }
}

/// Bytes a process has caused to be written to storage (`write_bytes` of `/proc/…/io`: pages
/// it dirtied, counted when dirtied); `None` for this process.
pub fn storage_write_bytes(pid: Option<u32>) -> Option<u64> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/io"),
        None => "/proc/self/io".to_owned(),
    };
    let io = std::fs::read_to_string(path).ok()?;
    io.lines()
        .find_map(|l| l.strip_prefix("write_bytes:"))?
        .trim()
        .parse()
        .ok()
}

/// The 1-minute load average: how much else wanted the cores during the run.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// What a data directory holds on disk.
#[derive(Clone, Copy, Default)]
pub struct DiskUse {
    /// Every file, recursively (symlinks not followed).
    pub total: u64,
    /// The part in write-ahead logs (`*-wal`).
    pub wal: u64,
}

pub fn disk_use(dir: &Path) -> std::io::Result<DiskUse> {
    let mut used = DiskUse::default();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_dir() {
            let inner = disk_use(&entry.path())?;
            used.total += inner.total;
            used.wal += inner.wal;
        } else if meta.is_file() {
            used.total += meta.len();
            if entry.file_name().to_string_lossy().ends_with("-wal") {
                used.wal += meta.len();
            }
        }
    }
    Ok(used)
}

#[cfg(test)]
mod machine_tests {
    use super::*;

    #[test]
    fn reads_the_machines_ticks_and_shares() {
        let a = parse_machine_ticks("cpu  100 0 50 800 10 5 5 0 0 0\ncpu0 1 2 3\n").unwrap();
        assert_eq!((a.busy, a.iowait, a.total), (160, 10, 970));
        let b = parse_machine_ticks("cpu  250 0 100 850 30 10 10 0 0 0\n").unwrap();
        let (busy, iowait) = a.shares_until(b).unwrap();
        assert!((busy - 210.0 / 280.0).abs() < 1e-9);
        assert!((iowait - 20.0 / 280.0).abs() < 1e-9);
        assert!(parse_machine_ticks("intr 1 2 3").is_none());
        assert!(a.shares_until(a).is_none(), "no time passed");
    }
}
