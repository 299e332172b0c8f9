//! Line plots: time series (one panel or stacked), 2-D and 3-D phase portraits, loss
//! curves on a log axis, and Pareto fronts (error on a log axis against cost).

use super::{
    check_len, color, extent, finite2, invalid, padded, render, runs, Drawn, Figure, Panels, Root,
    FONT, LABEL_SIZE, LINE_WIDTH, TICK_SIZE, TITLE_SIZE,
};
use crate::output::{ErrorKind, OutputError};
use plotters::chart::MeshStyle;
use plotters::prelude::*;
use std::ops::Range;
use std::path::Path;

/// Plot named series against `time`, in one panel or stacked panels (where each panel's
/// y axis is labelled with its series' name instead of `fig.y_label`).
pub fn time_series(
    path: &Path,
    fig: &Figure,
    time: &[f64],
    series: &[(&str, &[f64])],
    panels: Panels,
) -> Result<(), OutputError> {
    check_series(time, series).map_err(|e| e.at(path))?;
    render(path, fig.size, |root| match panels {
        Panels::Shared => shared_panel(root, fig, time, series),
        Panels::Stacked => stacked_panels(root, fig, time, series),
    })
}

fn check_series(time: &[f64], series: &[(&str, &[f64])]) -> Result<(), ErrorKind> {
    if series.is_empty() || time.is_empty() {
        return Err(invalid(
            "a time series plot needs a series and samples".into(),
        ));
    }
    for (name, values) in series {
        check_len(&format!("series `{name}`"), values.len(), time.len())?;
    }
    Ok(())
}

fn shared_panel(root: &Root, fig: &Figure, time: &[f64], series: &[(&str, &[f64])]) -> Drawn {
    let y = padded(series.iter().flat_map(|(_, v)| v.iter().copied()));
    let mut chart = ChartBuilder::on(root)
        .caption(fig.title, (FONT, TITLE_SIZE))
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(extent(time.iter().copied()), y)?;
    styled(&mut chart.configure_mesh())
        .x_desc(fig.x_label)
        .y_desc(fig.y_label)
        .draw()?;
    for (i, (name, values)) in series.iter().enumerate() {
        let points = time.iter().copied().zip(values.iter().copied());
        line(&mut chart, runs(points, finite2), color(i), name)?;
    }
    if series.iter().any(|(name, _)| !name.is_empty()) {
        legend(&mut chart)?;
    }
    Ok(())
}

fn stacked_panels(root: &Root, fig: &Figure, time: &[f64], series: &[(&str, &[f64])]) -> Drawn {
    let area = root.titled(fig.title, (FONT, TITLE_SIZE))?;
    let panels = area.split_evenly((series.len(), 1));
    for (i, (panel, (name, values))) in panels.iter().zip(series).enumerate() {
        let bottom = i + 1 == series.len();
        let mut chart = ChartBuilder::on(panel)
            .margin(8)
            .margin_right(20)
            .x_label_area_size(if bottom { 50 } else { 25 })
            .y_label_area_size(80)
            .build_cartesian_2d(extent(time.iter().copied()), padded(values.iter().copied()))?;
        styled(&mut chart.configure_mesh())
            .x_desc(if bottom { fig.x_label } else { "" })
            .y_desc(*name)
            .y_labels(4)
            .draw()?;
        let points = time.iter().copied().zip(values.iter().copied());
        line(&mut chart, runs(points, finite2), color(i), "")?;
    }
    Ok(())
}

/// Plot the trajectory `(x[i], y[i])` with its start and end marked.
pub fn phase_portrait(path: &Path, fig: &Figure, x: &[f64], y: &[f64]) -> Result<(), OutputError> {
    check_trajectory(&[x, y]).map_err(|e| e.at(path))?;
    let points: Vec<(f64, f64)> = x.iter().copied().zip(y.iter().copied()).collect();
    render(path, fig.size, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(fig.title, (FONT, TITLE_SIZE))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(padded(x.iter().copied()), padded(y.iter().copied()))?;
        styled(&mut chart.configure_mesh())
            .x_desc(fig.x_label)
            .y_desc(fig.y_label)
            .draw()?;
        let segments = runs(points.iter().copied(), finite2);
        line(&mut chart, segments.clone(), color(0), "")?;
        let ends = segments.first().zip(segments.last());
        if let Some((first, last)) = ends.and_then(|(f, l)| f.first().zip(l.last())) {
            marker(&mut chart, *first, color(2), "start")?;
            marker(&mut chart, *last, color(3), "end")?;
        }
        legend(&mut chart)
    })
}

/// Plot the trajectory `(x[i], y[i], z[i])` in a 3-D projection, z pointing up.
/// `fig.x_label` and `fig.y_label` name x and y; `z_label` names z.
pub fn phase_portrait_3d(
    path: &Path,
    fig: &Figure,
    z_label: &str,
    [x, y, z]: [&[f64]; 3],
) -> Result<(), OutputError> {
    check_trajectory(&[x, y, z]).map_err(|e| e.at(path))?;
    let (xr, yr, zr) = (
        padded(x.iter().copied()),
        padded(y.iter().copied()),
        padded(z.iter().copied()),
    );
    // plotters' 3-D y axis is the vertical one, so it carries z.
    let points = (0..x.len()).map(|i| (x[i], z[i], y[i]));
    let finite3 = |p: &(f64, f64, f64)| p.0.is_finite() && p.1.is_finite() && p.2.is_finite();
    let segments = runs(points, finite3);
    render(path, fig.size, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(fig.title, (FONT, TITLE_SIZE))
            .margin(20)
            .build_cartesian_3d(xr.clone(), zr.clone(), yr.clone())?;
        chart.with_projection(|mut p| {
            p.yaw = 0.6;
            p.pitch = 0.35;
            p.scale = 0.8;
            p.into_matrix()
        });
        chart
            .configure_axes()
            .label_style((FONT, TICK_SIZE))
            .light_grid_style(BLACK.mix(0.06))
            .bold_grid_style(BLACK.mix(0.15))
            .max_light_lines(2)
            .draw()?;
        for run in segments {
            chart.draw_series(LineSeries::new(run, color(0).stroke_width(LINE_WIDTH)))?;
        }
        // plotters draws no axis titles in 3-D. With this fixed projection it puts the tick
        // labels on the x edge at y = max, the y edge at x = max and the vertical edge at
        // (x = min, y = max); each name goes beside the middle of its edge, pushed outwards.
        let text = (FONT, LABEL_SIZE).into_font().color(&BLACK);
        let (x_out, y_out) = (beyond(&xr, NAME_OFFSET), beyond(&yr, NAME_OFFSET));
        chart.draw_series([
            Text::new(
                fig.x_label.to_string(),
                (mid(&xr), zr.start, y_out),
                text.clone(),
            ),
            Text::new(
                fig.y_label.to_string(),
                (x_out, zr.start, mid(&yr)),
                text.clone(),
            ),
            Text::new(
                z_label.to_string(),
                (xr.start, beyond(&zr, 0.1), yr.end),
                text,
            ),
        ])?;
        Ok(())
    })
}

/// How far past the box a 3-D axis name sits, as a fraction of the axis' span.
const NAME_OFFSET: f64 = 0.3;

/// A fraction of the span past the end of a range.
fn beyond(r: &Range<f64>, fraction: f64) -> f64 {
    r.end + fraction * (r.end - r.start)
}

fn mid(r: &Range<f64>) -> f64 {
    0.5 * (r.start + r.end)
}

fn check_trajectory(coords: &[&[f64]]) -> Result<(), ErrorKind> {
    let n = coords[0].len();
    if n == 0 {
        return Err(invalid("a phase portrait needs at least one point".into()));
    }
    for (c, axis) in coords.iter().zip(["x", "y", "z"]) {
        check_len(&format!("coordinate {axis}"), c.len(), n)?;
    }
    Ok(())
}

/// Plot loss curves against the step (point `i` of a curve at x = `i`) on a log y axis.
/// Non-positive and non-finite losses leave gaps.
pub fn loss_curves(
    path: &Path,
    fig: &Figure,
    curves: &[(&str, &[f64])],
) -> Result<(), OutputError> {
    let positive = |v: &f64| v.is_finite() && *v > 0.0;
    let all = || curves.iter().flat_map(|(_, c)| c.iter().copied());
    let (lo, hi) = all()
        .filter(positive)
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        let what = "loss curves need at least one positive, finite value for a log axis";
        return Err(invalid(what.into()).at(path));
    }
    let steps = curves.iter().map(|(_, c)| c.len()).max().unwrap_or(1);
    let x = extent([0.0, steps.saturating_sub(1) as f64]);
    // A factor of 1.5 (a sixth of a decade) of room each way keeps curves off the frame.
    let y = lo / 1.5..hi * 1.5;
    render(path, fig.size, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(fig.title, (FONT, TITLE_SIZE))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x, y.log_scale())?;
        styled(&mut chart.configure_mesh())
            .x_desc(fig.x_label)
            .y_desc(fig.y_label)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .draw()?;
        for (i, (name, values)) in curves.iter().enumerate() {
            let points = values.iter().enumerate().map(|(s, &v)| (s as f64, v));
            line(&mut chart, runs(points, |p| positive(&p.1)), color(i), name)?;
        }
        legend(&mut chart)
    })
}

/// A Pareto front: error (log axis) against cost, each point marked and joined as a
/// staircase (an error is reachable at every cost from where it appears); `chosen` is ringed.
/// Non-positive or non-finite errors are left out.
pub fn pareto_front(
    path: &Path,
    fig: &Figure,
    points: &[(f64, f64)],
    chosen: Option<(f64, f64)>,
) -> Result<(), OutputError> {
    let positive = |p: &(f64, f64)| p.0.is_finite() && p.1.is_finite() && p.1 > 0.0;
    let mut pts: Vec<(f64, f64)> = points.iter().copied().filter(positive).collect();
    if pts.is_empty() {
        let what = "a Pareto front needs at least one point with a positive, finite error";
        return Err(invalid(what.into()).at(path));
    }
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (lo, hi) = pts.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), p| {
        (lo.min(p.1), hi.max(p.1))
    });
    let x = padded(pts.iter().map(|p| p.0));
    let y = lo / 2.0..hi * 2.0;
    let mut stairs = Vec::with_capacity(2 * pts.len());
    for (i, p) in pts.iter().enumerate() {
        if i > 0 {
            stairs.push((p.0, pts[i - 1].1));
        }
        stairs.push(*p);
    }
    render(path, fig.size, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(fig.title, (FONT, TITLE_SIZE))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x, y.log_scale())?;
        styled(&mut chart.configure_mesh())
            .x_desc(fig.x_label)
            .y_desc(fig.y_label)
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .draw()?;
        line(&mut chart, vec![stairs], color(0), "")?;
        let style = color(0).filled();
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, style)))?;
        if let Some(c) = chosen.filter(positive) {
            chart.draw_series([Circle::new(c, 9, color(3).stroke_width(LINE_WIDTH))])?;
        }
        Ok(())
    })
}

/// The house style for axes, grid and labels.
fn styled<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    mesh.label_style((FONT, TICK_SIZE))
        .axis_desc_style((FONT, LABEL_SIZE))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
}

type Chart2d<'a, 'b, X, Y> = ChartContext<'a, BitMapBackend<'b>, Cartesian2d<X, Y>>;

/// Draw one series' runs in one colour; a non-empty `name` gets a legend entry.
fn line<X, Y>(
    chart: &mut Chart2d<'_, '_, X, Y>,
    runs: Vec<Vec<(f64, f64)>>,
    color: RGBColor,
    name: &str,
) -> Drawn
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let style = color.stroke_width(LINE_WIDTH);
    if !name.is_empty() {
        // An empty series carries the legend entry, so a curve that is all gaps still has one.
        chart
            .draw_series(LineSeries::new(std::iter::empty(), style))?
            .label(name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], style));
    }
    for run in runs {
        chart.draw_series(LineSeries::new(run, style))?;
    }
    Ok(())
}

fn marker<X, Y>(
    chart: &mut Chart2d<'_, '_, X, Y>,
    at: (f64, f64),
    color: RGBColor,
    name: &str,
) -> Drawn
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let style = color.filled();
    chart
        .draw_series([Circle::new(at, 6, style)])?
        .label(name)
        .legend(move |p| Circle::new(p, 6, style));
    Ok(())
}

/// The legend, if any series was named.
fn legend<'a, 'b: 'a, X, Y>(chart: &mut Chart2d<'a, 'b, X, Y>) -> Drawn
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart
        .configure_series_labels()
        .label_font((FONT, TICK_SIZE))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;
    Ok(())
}
