//! Progress and cancellation, as the caller supplies them. The library never draws a bar,
//! never installs a signal handler and never prints: a job reports what it is doing as
//! [`ProgressEvent`]s to the caller's [`Progress`] (the CLI draws them with indicatif; a
//! notebook or a test may ignore them), and asks the caller's [`CancelToken`] whether to
//! stop (the CLI cancels it on Ctrl-C). A stopped job still returns what it computed.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// How a task counts its progress, so a front end can choose how to show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressUnit {
    /// Thousandths of a time interval (integrators); messages say the current time.
    TimeFraction,
    /// A count of steps (training); messages say the loss.
    Steps,
    /// A count of named things ("equations", "fits").
    Items(&'static str),
}

/// What a running job says about itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ProgressEvent<'a> {
    /// A task begins: `total` units of `unit`; `done` of them were done before (a resumed run).
    Begin {
        task: &'a str,
        total: u64,
        done: u64,
        unit: ProgressUnit,
    },
    /// A named phase of the current task begins (training's `adam`, `lbfgs`).
    Phase { name: &'a str },
    /// `done` units of the current task are done.
    Advance { done: u64 },
    /// What the task wants to say about where it is (`t = 0.25`, a loss).
    Message { text: &'a str },
    /// The current task ended.
    End,
}

/// Where a job's progress goes. Implemented for closures, so a caller can pass
/// `&|e: ProgressEvent| …`; [`Silent`] ignores everything.
pub trait Progress: Send + Sync {
    fn event(&self, event: ProgressEvent<'_>);
}

impl<F: Fn(ProgressEvent<'_>) + Send + Sync> Progress for F {
    fn event(&self, event: ProgressEvent<'_>) {
        self(event)
    }
}

/// A progress sink that ignores every event (the library's default).
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn event(&self, _: ProgressEvent<'_>) {}
}

/// A shared flag a caller sets to ask a running job to stop after its current step. Clones
/// share the flag.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    /// Ask every job holding a clone of this token to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// A task over a time interval, reported in thousandths of it.
pub struct TimeBar<'a> {
    progress: &'a dyn Progress,
    span: (f64, f64),
    /// The tick last reported: integrators report every step, and a report (a clock read
    /// and a formatted message in a terminal front end) costs more than a step of a small
    /// system.
    shown: AtomicU64,
}

const TICKS: u64 = 1000;

pub fn time_bar<'a>(name: &str, span: (f64, f64), progress: &'a dyn Progress) -> TimeBar<'a> {
    progress.event(ProgressEvent::Begin {
        task: name,
        total: TICKS,
        done: 0,
        unit: ProgressUnit::TimeFraction,
    });
    TimeBar {
        progress,
        span,
        shown: AtomicU64::new(u64::MAX),
    }
}

impl TimeBar<'_> {
    pub fn update(&self, t: f64) {
        let (t0, t1) = self.span;
        let fraction = ((t - t0) / (t1 - t0)).clamp(0.0, 1.0);
        let tick = (fraction * TICKS as f64) as u64;
        if self.shown.swap(tick, Ordering::Relaxed) == tick {
            return;
        }
        self.progress.event(ProgressEvent::Advance { done: tick });
        self.progress.event(ProgressEvent::Message {
            text: &format!("t = {t:.4}"),
        });
    }

    /// Replace the message after the bar (what a job wants to say about its progress).
    pub fn message(&self, m: String) {
        self.progress.event(ProgressEvent::Message { text: &m });
    }

    pub fn finish(&self) {
        self.progress.event(ProgressEvent::End);
    }
}

/// A task over a count of things (equations, fits).
pub struct CountBar<'a> {
    progress: &'a dyn Progress,
}

pub fn count_bar<'a>(
    name: &str,
    total: usize,
    unit: &'static str,
    progress: &'a dyn Progress,
) -> CountBar<'a> {
    progress.event(ProgressEvent::Begin {
        task: name,
        total: total as u64,
        done: 0,
        unit: ProgressUnit::Items(unit),
    });
    CountBar { progress }
}

impl CountBar<'_> {
    pub fn set(&self, done: usize) {
        self.progress
            .event(ProgressEvent::Advance { done: done as u64 });
    }

    pub fn finish(&self) {
        self.progress.event(ProgressEvent::End);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn time_bar_reports_each_tick_once() {
        let seen = Mutex::new(Vec::new());
        let sink = |e: ProgressEvent<'_>| {
            if let ProgressEvent::Advance { done } = e {
                seen.lock().unwrap().push(done);
            }
        };
        let bar = time_bar("x", (0.0, 1.0), &sink);
        for t in [0.0, 0.0001, 0.5, 0.5, 1.0, 2.0] {
            bar.update(t);
        }
        bar.finish();
        assert_eq!(*seen.lock().unwrap(), vec![0, 500, 1000]);
    }

    #[test]
    fn clones_of_a_token_share_the_flag() {
        let token = CancelToken::new();
        let held_by_job = token.clone();
        assert!(!held_by_job.is_cancelled());
        token.cancel();
        assert!(held_by_job.is_cancelled());
    }
}
