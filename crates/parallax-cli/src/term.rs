//! Terminal output: aligned tables on stdout, a progress bar on stderr, CSV cells, and the
//! human forms of durations and sizes.
//!
//! The bar is drawn only when stderr is a terminal, so redirected output and logs stay clean;
//! `PARALLAX_PROGRESS=always` forces it (useful to see it through a pipe).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Longest cell shown in a table; longer text is cut with an ellipsis.
const MAX_CELL: usize = 40;

pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: impl IntoIterator<Item = impl Into<String>>) -> Table {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(
            cells
                .into_iter()
                .map(|c| shorten(&c.replace(['\n', '\r', '\t'], " "), MAX_CELL))
                .collect(),
        );
    }

    pub fn print(&self, out: &mut impl Write) -> std::io::Result<()> {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(n) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let padded: Vec<String> = (0..n)
                .map(|i| {
                    let cell = cells.get(i).map(String::as_str).unwrap_or("");
                    let pad = widths[i].saturating_sub(cell.chars().count());
                    if i + 1 == n {
                        cell.to_owned()
                    } else {
                        format!("{cell}{}", " ".repeat(pad))
                    }
                })
                .collect();
            padded.join("  ").trim_end().to_owned()
        };
        writeln!(out, "{}", line(&self.headers))?;
        for row in &self.rows {
            writeln!(out, "{}", line(row))?;
        }
        Ok(())
    }
}

pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(max - 1).collect::<String>())
    }
}

/// RFC 4180 quoting: quote a cell with a comma, quote or line break, doubling quotes.
pub fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

pub fn csv_line(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| csv_cell(c))
        .collect::<Vec<_>>()
        .join(",")
}

/// `850µs`, `12ms`, `1.50s`, `2m05s`.
pub fn duration_ns(ns: i64) -> String {
    let d = Duration::from_nanos(ns.max(0) as u64);
    if d < Duration::from_millis(1) {
        format!("{}µs", d.as_micros())
    } else if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else if d < Duration::from_secs(60) {
        format!("{:.2}s", d.as_secs_f64())
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

pub fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// A one-line progress bar on stderr, redrawn at most ten times a second.
pub struct Progress {
    label: String,
    total: Option<u64>,
    enabled: bool,
    last: Option<Instant>,
    drawn: bool,
}

impl Progress {
    pub fn new(label: &str, total: Option<u64>) -> Progress {
        let forced = std::env::var("PARALLAX_PROGRESS").is_ok_and(|v| v == "always");
        Progress {
            label: label.to_owned(),
            total,
            enabled: forced || std::io::stderr().is_terminal(),
            last: None,
            drawn: false,
        }
    }

    /// Shows `done` of the total, with `note` after the bar.
    pub fn set(&mut self, done: u64, note: &str) {
        if !self.enabled
            || self
                .last
                .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        self.last = Some(Instant::now());
        self.draw(done, note);
    }

    fn draw(&mut self, done: u64, note: &str) {
        const WIDTH: usize = 30;
        let bar = match self.total {
            Some(total) if total > 0 => {
                let frac = (done as f64 / total as f64).clamp(0.0, 1.0);
                let full = (frac * WIDTH as f64) as usize;
                let head = if full < WIDTH { ">" } else { "" };
                format!(
                    "[{}{head}{}] {:>3}%",
                    "=".repeat(full),
                    " ".repeat(WIDTH.saturating_sub(full + head.len())),
                    (frac * 100.0) as u32
                )
            }
            _ => String::new(),
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{} {bar} {note}", self.label);
        let _ = err.flush();
        self.drawn = true;
    }

    /// Draws the final state and ends the line.
    pub fn finish(&mut self, done: u64, note: &str) {
        if !self.enabled {
            return;
        }
        self.draw(done, note);
        let _ = writeln!(std::io::stderr());
    }
}
