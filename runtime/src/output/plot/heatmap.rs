//! Space–time heatmaps of a field `u[t][x]`: x across, t upwards, a viridis colour scale and
//! a colour bar. The field is resampled to the plot's pixels (nearest sample), so drawing
//! costs the same for a 10×10 grid as for a 10000×1000 one.

use super::{
    extent, invalid, render, Drawn, Figure, Root, FONT, LABEL_SIZE, TICK_SIZE, TITLE_SIZE,
};
use crate::output::{Array, ErrorKind, OutputError};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::ops::Range;
use std::path::Path;

/// Width of the colour bar's column, labels included.
const BAR_AREA: u32 = 130;
/// Bands the colour bar is drawn with: enough that neighbours are indistinguishable.
const BAR_STEPS: usize = 128;
/// Where a sample is NaN or infinite.
const NOT_FINITE: RGBColor = RGBColor(200, 200, 200);

/// Plot `field` (rows are times, columns are positions) over the rectangle spanned by `t`
/// and `x` (each `(first, last)`, first < last), with `fig.x_label` across, `fig.y_label`
/// up, and `value_label` on the colour bar.
pub fn heatmap(
    path: &Path,
    fig: &Figure,
    field: &Array,
    t: (f64, f64),
    x: (f64, f64),
    value_label: &str,
) -> Result<(), OutputError> {
    check(field, t, x).map_err(|e| e.at(path))?;
    let values = extent(field.data().iter().copied());
    render(path, fig.size, |root| {
        let area = root.titled(fig.title, (FONT, TITLE_SIZE))?;
        let (width, _) = area.dim_in_pixel();
        let (main, bar) = area.split_horizontally(width.saturating_sub(BAR_AREA) as i32);
        field_panel(root, &main, fig, field, t.0..t.1, x.0..x.1, &values)?;
        colour_bar(root, &bar, value_label, &values)
    })
}

fn check(field: &Array, t: (f64, f64), x: (f64, f64)) -> Result<(), ErrorKind> {
    let (rows, cols) = field.dims();
    if field.shape().len() != 2 || rows == 0 || cols == 0 {
        return Err(invalid(format!(
            "a heatmap needs a non-empty 2-D field u[t][x], got shape {:?}",
            field.shape()
        )));
    }
    for (name, (a, b)) in [("t", t), ("x", x)] {
        if !(a.is_finite() && b.is_finite() && a < b) {
            return Err(invalid(format!(
                "the {name} range ({a}, {b}) must be finite and increasing"
            )));
        }
    }
    Ok(())
}

fn field_panel(
    root: &Root,
    area: &Root,
    fig: &Figure,
    field: &Array,
    t: Range<f64>,
    x: Range<f64>,
    values: &Range<f64>,
) -> Drawn {
    let mut chart = ChartBuilder::on(area)
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(x, t)?;
    let (px, py) = chart.plotting_area().get_pixel_range();
    let (rows, cols) = field.dims();
    let (w, h) = ((px.end - px.start) as f64, (py.end - py.start) as f64);
    for j in py.clone() {
        // Pixel rows run downwards, time upwards.
        let row = sample(1.0 - (f64::from(j - py.start) + 0.5) / h, rows);
        let u = field.row(row);
        for i in px.clone() {
            let v = u[sample((f64::from(i - px.start) + 0.5) / w, cols)];
            root.draw_pixel((i, j), &colour(v, values))?;
        }
    }
    chart
        .configure_mesh()
        .disable_mesh()
        .label_style((FONT, TICK_SIZE))
        .axis_desc_style((FONT, LABEL_SIZE))
        .x_desc(fig.x_label)
        .y_desc(fig.y_label)
        .draw()?;
    Ok(())
}

/// The sample under fraction `f` (0 to 1) of `n` equal cells.
fn sample(f: f64, n: usize) -> usize {
    ((f * n as f64) as usize).min(n - 1)
}

fn colour_bar(root: &Root, area: &Root, label: &str, values: &Range<f64>) -> Drawn {
    let mut chart = ChartBuilder::on(area)
        .margin_top(15)
        .margin_bottom(65)
        .margin_left(10)
        .set_label_area_size(LabelAreaPosition::Right, BAR_AREA - 35)
        .build_cartesian_2d(0.0..1.0, values.clone())?;
    let step = (values.end - values.start) / BAR_STEPS as f64;
    chart.draw_series((0..BAR_STEPS).map(|k| {
        let v = values.start + step * k as f64;
        Rectangle::new(
            [(0.0, v), (1.0, v + step)],
            colour(v + step / 2.0, values).filled(),
        )
    }))?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .label_style((FONT, TICK_SIZE))
        .draw()?;
    // plotters' axis title on a right-hand label area lands outside the image, so the
    // name is drawn by hand: rotated like the y axis title, near the area's right edge.
    let (_, py) = chart.plotting_area().get_pixel_range();
    let right = area.get_pixel_range().0.end;
    let style = TextStyle::from((FONT, LABEL_SIZE).into_font())
        .transform(FontTransform::Rotate270)
        .pos(Pos::new(HPos::Center, VPos::Center));
    root.draw_text(label, &style, (right - LABEL_SIZE, (py.start + py.end) / 2))?;
    Ok(())
}

/// Viridis at nine evenly spaced points; colours in between are interpolated linearly.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 82, 139),
    (44, 114, 142),
    (33, 145, 140),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// The colour of `v` on a scale spanning `range`.
fn colour(v: f64, range: &Range<f64>) -> RGBColor {
    if !v.is_finite() {
        return NOT_FINITE;
    }
    let f = ((v - range.start) / (range.end - range.start)).clamp(0.0, 1.0);
    let pos = f * (VIRIDIS.len() - 1) as f64;
    let k = (pos as usize).min(VIRIDIS.len() - 2);
    let (a, b, s) = (VIRIDIS[k], VIRIDIS[k + 1], pos - k as f64);
    let mix = |p: u8, q: u8| (f64::from(p) + (f64::from(q) - f64::from(p)) * s).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}
