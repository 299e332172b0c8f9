//! Source files and spans: the coordinates every later stage uses to point back at the
//! user's text. A `Span` is a byte range inside one file of a `SourceMap`.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Index of a file inside a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        Span {
            file,
            start: range.start as u32,
            end: range.end as u32,
        }
    }

    /// The smallest span covering both (both must be in the same file).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The same span, ending at `end`.
    pub fn with_end(self, end: u32) -> Span {
        Span { end, ..self }
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One loaded source text: a user file, or a standard library module compiled into physc.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown in diagnostics (the path as the user gave it, or `std/<module>.phys`).
    pub name: String,
    /// Where the file lives on disk; `None` for embedded standard library modules.
    pub path: Option<PathBuf>,
    pub text: String,
    /// Where each line starts, and the text as the diagnostic renderer reads it: built the
    /// first time a diagnostic needs them and then shared, so rendering n diagnostics costs
    /// n lookups, not n passes over the file.
    index: OnceLock<Vec<usize>>,
    pub(crate) rendering: OnceLock<ariadne::Source<String>>,
}

impl SourceFile {
    /// Byte offsets of the starts of the lines (the first is 0).
    fn line_starts(&self) -> &[usize] {
        self.index.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }
}

/// Every source text of one compilation, indexed by [`FileId`].
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(&mut self, name: impl Into<String>, path: Option<&Path>, text: String) -> FileId {
        self.files.push(SourceFile {
            name: name.into(),
            path: path.map(Path::to_path_buf),
            text,
            index: OnceLock::new(),
            rendering: OnceLock::new(),
        });
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// The text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        self.get(span.file).text.get(span.range()).unwrap_or("")
    }

    /// 1-based line and column of a span's start, for messages that are not rendered by ariadne.
    pub fn line_col(&self, span: Span) -> (usize, usize) {
        let file = self.get(span.file);
        let bytes = file.text.as_bytes();
        let at = (span.start as usize).min(bytes.len());
        let starts = file.line_starts();
        let line = starts.partition_point(|&s| s <= at);
        let col = String::from_utf8_lossy(&bytes[starts[line - 1]..at])
            .chars()
            .count()
            + 1;
        (line, col)
    }
}
