//! The terminal side of progress and cancellation: jobs report [`ProgressEvent`]s, and this
//! draws them as indicatif bars on stderr (hidden when stderr is not a terminal or the user
//! asked for `--quiet`); Ctrl-C cancels the run's token so the job stops after its current
//! step and keeps its results, and a second Ctrl-C exits at once. SIGTERM and SIGHUP do the
//! same (what `mpirun` sends its ranks on Ctrl-C, and a batch scheduler at a time limit).
//! Only the CLI knows indicatif and ctrlc.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use physc_jobs::progress::{CancelToken, Progress, ProgressEvent, ProgressUnit};
use std::sync::{Mutex, Once, OnceLock};

/// Install the Ctrl-C handler (once per process) and return the token it cancels.
pub fn cancel_on_ctrl_c() -> CancelToken {
    static ONCE: Once = Once::new();
    static TOKEN: OnceLock<CancelToken> = OnceLock::new();
    let token = TOKEN.get_or_init(CancelToken::new).clone();
    ONCE.call_once(|| {
        let handler_token = token.clone();
        let _ = ctrlc::set_handler(move || {
            if handler_token.is_cancelled() {
                std::process::exit(130);
            }
            handler_token.cancel();
            eprintln!("\nstopping after the current step (Ctrl-C again to quit now)…");
        });
    });
    token
}

/// Progress bars on stderr; one bar at a time (jobs run one task after another).
pub struct TerminalProgress {
    quiet: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl TerminalProgress {
    pub fn new(quiet: bool) -> Self {
        TerminalProgress {
            quiet,
            bar: Mutex::new(None),
        }
    }
}

fn template(unit: ProgressUnit) -> String {
    match unit {
        ProgressUnit::TimeFraction => "{prefix} [{bar:40}] {msg} ({elapsed}, eta {eta})".into(),
        ProgressUnit::Steps => {
            "{prefix:>6} [{bar:30}] {pos}/{len} {msg} ({elapsed}, eta {eta})".into()
        }
        ProgressUnit::Items(unit) => {
            format!("{{prefix}} [{{bar:40}}] {{pos}}/{{len}} {unit} ({{elapsed}})")
        }
    }
}

impl Progress for TerminalProgress {
    fn event(&self, event: ProgressEvent<'_>) {
        let Ok(mut slot) = self.bar.lock() else {
            return;
        };
        match event {
            ProgressEvent::Begin {
                task,
                total,
                done,
                unit,
            } => {
                let bar = if self.quiet {
                    ProgressBar::hidden()
                } else {
                    ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
                };
                let style = ProgressStyle::with_template(&template(unit))
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> ");
                bar.set_style(style);
                bar.set_prefix(task.to_string());
                bar.set_position(done);
                if let Some(old) = slot.replace(bar) {
                    old.finish_and_clear();
                }
            }
            ProgressEvent::Phase { name } => {
                if let Some(bar) = slot.as_ref() {
                    bar.set_prefix(name.to_string());
                }
            }
            ProgressEvent::Advance { done } => {
                if let Some(bar) = slot.as_ref() {
                    bar.set_position(done);
                }
            }
            ProgressEvent::Message { text } => {
                if let Some(bar) = slot.as_ref() {
                    bar.set_message(text.to_string());
                }
            }
            ProgressEvent::End => {
                if let Some(bar) = slot.take() {
                    bar.finish_and_clear();
                }
            }
        }
    }
}
