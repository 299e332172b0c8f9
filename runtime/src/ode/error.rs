//! Why an integration stops early (`OdeError`) and the finiteness checks that raise it.
//! Separate from the methods because every one of them, and `mol::etdrk4`, reports
//! through it.

use std::fmt;

/// Why an integration stopped before the last output time.
#[derive(Debug, Clone, PartialEq)]
pub enum OdeError {
    /// The state, or its rate of change, became NaN or infinite: the solution blew up.
    NonFinite { t: f64, state: Vec<f64> },
    /// The step size needed to meet the tolerances fell below what `t` can resolve.
    StepUnderflow { t: f64, h: f64, state: Vec<f64> },
    /// The progress callback asked to stop.
    Interrupted { t: f64 },
}

impl fmt::Display for OdeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OdeError::NonFinite { t, state } => write!(
                f,
                "the solution blew up at t = {t}: the state or its rate of change is NaN or \
                 infinite (state = {})",
                StateList(state)
            ),
            OdeError::StepUnderflow { t, h, state } => write!(
                f,
                "the step size fell to {h:e} at t = {t}, too small to make progress: the \
                 solution may blow up there, or the model is singular or too stiff for the \
                 method (state = {})",
                StateList(state)
            ),
            OdeError::Interrupted { t } => write!(f, "integration interrupted at t = {t}"),
        }
    }
}

impl std::error::Error for OdeError {}

/// A state vector for messages: models can have thousands of components, so long ones are
/// cut short.
struct StateList<'a>(&'a [f64]);

impl fmt::Display for StateList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 8;
        write!(f, "[")?;
        for (i, v) in self.0.iter().take(SHOWN).enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{v:?}")?;
        }
        if self.0.len() > SHOWN {
            write!(f, ", … ({} values)", self.0.len())?;
        }
        write!(f, "]")
    }
}

pub(crate) fn ensure_finite(t: f64, y: &[f64]) -> Result<(), OdeError> {
    if all_finite(y) {
        Ok(())
    } else {
        Err(OdeError::NonFinite {
            t,
            state: y.to_vec(),
        })
    }
}

pub(super) fn all_finite(v: &[f64]) -> bool {
    v.iter().all(|x| x.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_time_and_state() {
        let long = OdeError::StepUnderflow {
            t: 0.5,
            h: 1e-15,
            state: (0..20).map(f64::from).collect(),
        };
        let text = long.to_string();
        assert!(
            text.contains("t = 0.5") && text.contains("[0.0, 1.0,") && text.contains("(20 values)"),
            "{text}"
        );
        let nan = OdeError::NonFinite {
            t: 2.0,
            state: vec![f64::NAN, f64::INFINITY],
        };
        assert!(nan.to_string().contains("[NaN, inf]"), "{nan}");
    }
}
