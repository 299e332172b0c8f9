//! Progress bars for long runs (hidden when stderr is not a terminal) and Ctrl-C: the first
//! Ctrl-C asks the running job to stop cleanly and keep its results; a second one exits.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Once;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Install the Ctrl-C handler (once per process).
pub fn catch_interrupts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!("\nstopping after the current step (Ctrl-C again to quit now)…");
        });
    });
}

pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// A bar over a time interval.
pub struct TimeBar {
    bar: ProgressBar,
    span: (f64, f64),
    /// The tick last shown: integrators report every step, and redrawing (a clock read and
    /// a formatted message) costs more than a step of a small system.
    shown: AtomicU64,
}

const TICKS: u64 = 1000;

pub fn time_bar(name: &str, span: (f64, f64), quiet: bool) -> TimeBar {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(TICKS), ProgressDrawTarget::stderr())
    };
    let style = ProgressStyle::with_template("{prefix} [{bar:40}] {msg} ({elapsed}, eta {eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(name.to_string());
    TimeBar {
        bar,
        span,
        shown: AtomicU64::new(u64::MAX),
    }
}

impl TimeBar {
    pub fn update(&self, t: f64) {
        let (t0, t1) = self.span;
        let fraction = ((t - t0) / (t1 - t0)).clamp(0.0, 1.0);
        let tick = (fraction * TICKS as f64) as u64;
        if self.shown.swap(tick, Ordering::Relaxed) == tick {
            return;
        }
        self.bar.set_position(tick);
        self.bar.set_message(format!("t = {t:.4}"));
    }

    /// Replace the message after the bar (what a job wants to say about its progress).
    pub fn message(&self, m: String) {
        self.bar.set_message(m);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A bar over a count of steps (equations, fits).
pub struct CountBar {
    bar: ProgressBar,
}

pub fn count_bar(name: &str, total: usize, unit: &str, quiet: bool) -> CountBar {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr())
    };
    let template = format!("{{prefix}} [{{bar:40}}] {{pos}}/{{len}} {unit} ({{elapsed}})");
    let style = ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(name.to_string());
    CountBar { bar }
}

impl CountBar {
    pub fn set(&self, done: usize) {
        self.bar.set_position(done as u64);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
