//! Rendering diagnostics: ariadne reports for people, JSON for machines.

use super::{Diagnostic, Severity};
use crate::source::{FileId, SourceMap};
use ariadne::{Cache, Color, Config, IndexType, Label, Report, ReportKind, Source};
use std::fmt;

/// Render for a terminal, with colour.
pub fn render_terminal(diagnostic: &Diagnostic, sources: &SourceMap) -> String {
    render(diagnostic, sources, true)
}

/// Render as plain text (piped output, snapshots).
pub fn render_plain(diagnostic: &Diagnostic, sources: &SourceMap) -> String {
    render(diagnostic, sources, false)
}

/// The files of a [`SourceMap`] as ariadne reads them. Each file's line table is built once
/// and kept in the map, so a diagnostic costs what it shows, not a pass over every file.
struct Files<'a>(&'a SourceMap);

impl Cache<FileId> for Files<'_> {
    type Storage = String;

    fn fetch(&mut self, id: &FileId) -> Result<&Source<String>, impl fmt::Debug> {
        let file = self.0.get(*id);
        Ok::<_, ()>(
            file.rendering
                .get_or_init(|| Source::from(file.text.clone())),
        )
    }

    fn display<'b>(&self, id: &'b FileId) -> Option<impl fmt::Display + 'b> {
        Some(self.0.get(*id).name.clone())
    }
}

fn render(diagnostic: &Diagnostic, sources: &SourceMap, colour: bool) -> String {
    let name = |d: &super::Label| d.span.file;
    let primary = &diagnostic.labels[0];
    let kind = match diagnostic.severity() {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };
    let config = Config::default()
        .with_color(colour)
        .with_index_type(IndexType::Byte);
    let mut report = Report::build(kind, (name(primary), clamp(primary, sources)))
        .with_config(config)
        .with_code(diagnostic.code.as_str())
        .with_message(&diagnostic.message);
    for (i, label) in diagnostic.labels.iter().enumerate() {
        let colour = if i == 0 { Color::Red } else { Color::Blue };
        let mut l = Label::new((name(label), clamp(label, sources))).with_order(i as i32);
        if !label.message.is_empty() {
            l = l.with_message(&label.message);
        }
        if diagnostic.severity() == Severity::Error || i > 0 {
            l = l.with_color(colour);
        } else {
            l = l.with_color(Color::Yellow);
        }
        report = report.with_label(l);
    }
    if let Some(help) = &diagnostic.help {
        report = report.with_help(help);
    }
    for note in &diagnostic.notes {
        report = report.with_note(note);
    }
    let mut out = Vec::new();
    if report.finish().write(Files(sources), &mut out).is_err() {
        return format!(
            "{}[{}]: {}\n",
            severity_word(diagnostic),
            diagnostic.code,
            diagnostic.message
        );
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn severity_word(diagnostic: &Diagnostic) -> &'static str {
    match diagnostic.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Spans past the end of a file (an error at end of input) are pulled back inside it.
fn clamp(label: &super::Label, sources: &SourceMap) -> std::ops::Range<usize> {
    let len = sources.get(label.span.file).text.len();
    let start = (label.span.start as usize).min(len);
    let end = (label.span.end as usize).clamp(start, len);
    start..end
}

/// One JSON object per diagnostic, with 1-based line and column of each label.
pub fn render_json(diagnostics: &[Diagnostic], sources: &SourceMap) -> serde_json::Value {
    let items: Vec<_> = diagnostics
        .iter()
        .map(|d| {
            let labels: Vec<_> = d
                .labels
                .iter()
                .map(|l| {
                    let (line, column) = sources.line_col(l.span);
                    serde_json::json!({
                        "file": sources.get(l.span.file).name,
                        "start": l.span.start,
                        "end": l.span.end,
                        "line": line,
                        "column": column,
                        "message": l.message,
                    })
                })
                .collect();
            serde_json::json!({
                "code": d.code.as_str(),
                "severity": d.severity(),
                "message": d.message,
                "labels": labels,
                "help": d.help,
                "notes": d.notes,
            })
        })
        .collect();
    serde_json::Value::Array(items)
}
