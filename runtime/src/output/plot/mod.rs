//! PNG plots of results: time series, phase portraits, space–time heatmaps, loss curves and
//! Pareto fronts.
//! plotters draws into an RGB buffer with a bundled font (DejaVu Sans, registered once), so
//! plots look the same on machines without system fonts; `png` encodes the buffer and
//! `atomic_write` puts it in place. Non-finite points leave gaps in a line rather than
//! failing the plot: a diverged run is exactly what someone needs to see.

mod heatmap;
mod lines;
mod png;

pub use heatmap::heatmap;
pub use lines::{loss_curves, pareto_front, phase_portrait, phase_portrait_3d, time_series};

use super::{atomic_write, ErrorKind, OutputError};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

/// Width and height in pixels unless a figure says otherwise.
pub const DEFAULT_SIZE: (u32, u32) = (800, 600);

/// Title, axis labels and size shared by every kind of plot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figure<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub size: (u32, u32),
}

impl<'a> Figure<'a> {
    pub fn new(title: &'a str, x_label: &'a str, y_label: &'a str) -> Self {
        Figure {
            title,
            x_label,
            y_label,
            size: DEFAULT_SIZE,
        }
    }

    pub fn with_size(self, width: u32, height: u32) -> Self {
        Figure {
            size: (width, height),
            ..self
        }
    }
}

/// How several time series share a plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panels {
    /// All in one panel, with a legend.
    Shared,
    /// One panel per series, stacked top to bottom on a common time axis.
    Stacked,
}

/// Smaller cannot hold a title, labels and a plot; larger is surely a mistake.
const SIZE_LIMITS: Range<u32> = 200..16_385;

const FONT: &str = "sans-serif";
const TITLE_SIZE: i32 = 26;
const LABEL_SIZE: i32 = 20;
const TICK_SIZE: i32 = 15;
const LINE_WIDTH: u32 = 2;

/// Matplotlib's "tab10" colours: distinct, and readable on white.
const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

type Root<'b> = DrawingArea<BitMapBackend<'b>, Shift>;
type Drawn = Result<(), Box<dyn std::error::Error>>;

/// Draw a plot of `size` with `draw` and write it to `path` as a PNG.
fn render(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Root) -> Drawn,
) -> Result<(), OutputError> {
    let (width, height) = size;
    if !SIZE_LIMITS.contains(&width) || !SIZE_LIMITS.contains(&height) {
        return Err(invalid(format!(
            "a {width}×{height} plot (each side must be {} to {} pixels)",
            SIZE_LIMITS.start,
            SIZE_LIMITS.end - 1
        ))
        .at(path));
    }
    register_font().map_err(|e| e.at(path))?;
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    draw_into(&mut rgb, size, draw).map_err(|e| ErrorKind::Plot(e.to_string()).at(path))?;
    atomic_write(path, &png::encode_rgb(width, height, &rgb))
}

fn draw_into(rgb: &mut [u8], size: (u32, u32), draw: impl FnOnce(&Root) -> Drawn) -> Drawn {
    let root = BitMapBackend::with_buffer(rgb, size).into_drawing_area();
    root.fill(&WHITE)?;
    draw(&root)?;
    root.present()?;
    Ok(())
}

/// plotters' `ab_glyph` text looks fonts up in a registry of its own; fill it once.
fn register_font() -> Result<(), ErrorKind> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
    });
    if *ok {
        Ok(())
    } else {
        Err(ErrorKind::Plot(
            "the bundled font could not be loaded".to_string(),
        ))
    }
}

fn invalid(what: String) -> ErrorKind {
    ErrorKind::Invalid(what)
}

/// Every series must have one value per sample.
fn check_len(what: &str, len: usize, expected: usize) -> Result<(), ErrorKind> {
    if len == expected {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what} has {len} values, expected {expected}"
        )))
    }
}

/// The range the finite values span, widened when they are all equal (or absent) so the
/// axis still has a length.
fn extent(values: impl IntoIterator<Item = f64>) -> Range<f64> {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return 0.0..1.0;
    }
    if lo == hi {
        let half = if lo == 0.0 { 0.5 } else { lo.abs() * 0.1 };
        return lo - half..hi + half;
    }
    lo..hi
}

/// `extent` with 5% room on both sides, so lines do not run along the frame.
fn padded(values: impl IntoIterator<Item = f64>) -> Range<f64> {
    let r = extent(values);
    let pad = (r.end - r.start) * 0.05;
    r.start - pad..r.end + pad
}

/// Split a polyline into the runs of points that `keep` accepts; a rejected point (a NaN, or
/// a non-positive value on a log axis) leaves a gap.
fn runs<P: Copy>(points: impl IntoIterator<Item = P>, keep: impl Fn(&P) -> bool) -> Vec<Vec<P>> {
    let mut runs = vec![Vec::new()];
    for p in points {
        if keep(&p) {
            runs.last_mut().expect("never empty").push(p);
        } else if !runs.last().expect("never empty").is_empty() {
            runs.push(Vec::new());
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

fn finite2(p: &(f64, f64)) -> bool {
    p.0.is_finite() && p.1.is_finite()
}

#[cfg(test)]
mod tests;
