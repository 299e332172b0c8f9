//! Running a job from Python: the work runs on its own thread with the GIL released, while
//! the calling thread waits and checks for signals, so Ctrl-C (`KeyboardInterrupt`) stops
//! the job through the library's cancel token and the result computed so far still comes
//! back. Progress events reach a Python callable, if one is given, as dicts.

use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// A token another Python thread can set to stop a running job after its current step; the
/// job still returns what it computed.
#[pyclass(module = "physc._physc", from_py_object)]
#[derive(Clone, Default)]
pub struct CancelToken(pub physc::CancelToken);

#[pymethods]
impl CancelToken {
    #[new]
    fn new() -> Self {
        CancelToken::default()
    }

    /// Ask the job to stop after its current step.
    fn cancel(&self) {
        self.0.cancel();
    }

    #[getter]
    fn cancelled(&self) -> bool {
        self.0.is_cancelled()
    }
}

/// The options every running call takes, as the Python side gives them.
pub struct Running {
    pub cancel: physc::CancelToken,
    pub progress: Option<Py<PyAny>>,
    pub threads: Option<usize>,
}

/// Progress events to a Python callable; an exception it raises cancels the job and is
/// raised again when the job has returned.
struct PythonProgress {
    callback: Py<PyAny>,
    cancel: physc::CancelToken,
    raised: Mutex<Option<PyErr>>,
}

impl physc::Progress for PythonProgress {
    fn event(&self, event: physc::ProgressEvent<'_>) {
        Python::attach(|py| {
            let call = || -> PyResult<()> {
                let d = PyDict::new(py);
                match event {
                    physc::ProgressEvent::Begin {
                        task,
                        total,
                        done,
                        unit,
                    } => {
                        d.set_item("event", "begin")?;
                        d.set_item("task", task)?;
                        d.set_item("total", total)?;
                        d.set_item("done", done)?;
                        d.set_item("unit", unit_name(unit))?;
                    }
                    physc::ProgressEvent::Phase { name } => {
                        d.set_item("event", "phase")?;
                        d.set_item("name", name)?;
                    }
                    physc::ProgressEvent::Advance { done } => {
                        d.set_item("event", "advance")?;
                        d.set_item("done", done)?;
                    }
                    physc::ProgressEvent::Message { text } => {
                        d.set_item("event", "message")?;
                        d.set_item("text", text)?;
                    }
                    physc::ProgressEvent::End => d.set_item("event", "end")?,
                }
                self.callback.call1(py, (d,))?;
                Ok(())
            };
            if let Err(e) = call() {
                self.cancel.cancel();
                let mut raised = self.raised.lock().unwrap_or_else(|p| p.into_inner());
                raised.get_or_insert(e);
            }
        });
    }
}

fn unit_name(unit: physc::ProgressUnit) -> &'static str {
    match unit {
        physc::ProgressUnit::TimeFraction => "time",
        physc::ProgressUnit::Steps => "steps",
        physc::ProgressUnit::Items(what) => what,
    }
}

/// What a run ended with besides its result: whether Ctrl-C or the cancel token stopped it.
pub struct Ended<T> {
    pub value: T,
    pub interrupted: bool,
}

/// Run `job` with `options` (progress and cancellation wired to Python) on a rayon pool of
/// `threads` (every core by default), the GIL released, checking for signals every 20 ms.
/// An exception raised by the progress callback is raised here once the job has returned;
/// Ctrl-C is not an exception here: the job stops and its result comes back with
/// `interrupted` set.
pub fn run<T: Send>(
    py: Python<'_>,
    running: Running,
    job: impl FnOnce(physc::RunOptions) -> T + Send,
) -> PyResult<Ended<T>> {
    // The job runs on one of the pool's threads (as `physc run` does), so each parallel step
    // wakes the pool's other threads only, not the pool and then a waiting thread as well.
    let threads = match running.threads {
        Some(0) => {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "threads must be at least 1",
            ))
        }
        Some(n) => n,
        // 0: rayon's choice, every core.
        None => 0,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| crate::errors::JobError::new_err(e.to_string()))?;
    let cancel = running.cancel.clone();
    let progress = running.progress.map(|callback| {
        Arc::new(PythonProgress {
            callback,
            cancel: cancel.clone(),
            raised: Mutex::new(None),
        })
    });
    let mut options = physc::RunOptions {
        cancel: cancel.clone(),
        ..physc::RunOptions::default()
    };
    if let Some(p) = &progress {
        options.progress = p.clone();
    }
    let interrupted = AtomicBool::new(false);
    // Set by the worker when it is done, so the wait below ends at once, not at its next tick.
    let finished = (Mutex::new(false), Condvar::new());
    let value = std::thread::scope(|scope| -> PyResult<T> {
        // This thread only waits in `install`; the caller's thread stays free for signals.
        let worker = std::thread::Builder::new()
            .name("physc-job".into())
            .spawn_scoped(scope, || {
                let value = pool.install(|| job(options));
                *finished.0.lock().unwrap_or_else(|p| p.into_inner()) = true;
                finished.1.notify_all();
                value
            })
            .map_err(|e| crate::errors::JobError::new_err(e.to_string()))?;
        while !worker.is_finished() {
            py.detach(|| {
                let done = finished.0.lock().unwrap_or_else(|p| p.into_inner());
                let wait = Duration::from_millis(20);
                let _ = finished.1.wait_timeout_while(done, wait, |done| !*done);
            });
            if let Err(e) = py.check_signals() {
                if e.is_instance_of::<PyKeyboardInterrupt>(py) {
                    interrupted.store(true, Ordering::SeqCst);
                    cancel.cancel();
                } else {
                    cancel.cancel();
                    let _ = py.detach(|| worker.join());
                    return Err(e);
                }
            }
        }
        py.detach(|| worker.join())
            .map_err(|_| crate::errors::JobError::new_err("the job panicked (a bug in physc)"))
    })?;
    if let Some(p) = progress {
        let raised = p.raised.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(e) = raised {
            return Err(e);
        }
    }
    Ok(Ended {
        value,
        interrupted: interrupted.load(Ordering::SeqCst) || cancel.is_cancelled(),
    })
}
