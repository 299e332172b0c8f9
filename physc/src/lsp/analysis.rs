//! What the language server says about one document: the compiler's own diagnostics (with
//! their codes, extra labels as related information, help and notes), hovers (a code's
//! explanation over a diagnostic, a name's declaration over a name), go to definition,
//! the document's models and jobs as symbols, and `physc fmt`'s formatting. Everything
//! comes from one compilation of the document by the compiler's parser and checker, with
//! the editor's unsaved text standing in for files it has open (`Overlay`).

use super::complete;
use super::convert::{offset, path_of, position, range, uri_of};
use lsp_types as lsp;
use physc_compiler::diagnostics::{Diagnostic, Severity};
use physc_compiler::driver::{self, Compilation, FileProvider, FileSystem};
use physc_compiler::source::{FileId, Span};
use physc_compiler::syntax::{self, ast};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The files read through the editor: open documents' text first, the disk for the rest.
pub struct Overlay<'a> {
    pub open: &'a HashMap<PathBuf, String>,
}

impl FileProvider for Overlay<'_> {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        match self.open.get(&FileSystem.canonical(path)) {
            Some(text) => Ok(text.clone()),
            None => FileSystem.read(path),
        }
    }

    fn read_bytes(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        FileSystem.read_bytes(path)
    }

    fn canonical(&self, path: &Path) -> PathBuf {
        FileSystem.canonical(path)
    }
}

/// One compilation of a document, and which of its files the document is.
pub struct Analysis {
    pub compilation: Compilation,
    pub root: FileId,
}

/// Compile `text`, the document at `uri`, its imports read through `overlay`.
pub fn analyse(uri: &lsp::Uri, text: &str, overlay: &Overlay) -> Analysis {
    let path = path_of(uri);
    let name = path.as_ref().and_then(|p| p.file_name()).map_or_else(
        || uri.as_str().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let dir = path.as_deref().and_then(Path::parent);
    let compilation = driver::compile_source_with(&name, text, dir, overlay);
    let root = compilation.modules.first().map_or(FileId(0), |m| m.file);
    Analysis { compilation, root }
}

impl Analysis {
    /// Whether this compilation read the file at canonical `path` (the document itself or
    /// a module it uses).
    pub fn reads(&self, path: &Path) -> bool {
        self.compilation.sources.files().any(|(_, f)| {
            f.path
                .as_deref()
                .is_some_and(|p| FileSystem.canonical(p) == path)
        })
    }

    pub(super) fn text(&self, file: FileId) -> &str {
        &self.compilation.sources.get(file).text
    }

    fn location(&self, span: Span, document: &lsp::Uri) -> Option<lsp::Location> {
        let file = self.compilation.sources.get(span.file);
        let uri = if span.file == self.root {
            document.clone()
        } else if let Some(path) = &file.path {
            uri_of(path)?
        } else {
            uri_of(&standard_library_file(&file.name, &file.text)?)?
        };
        Some(lsp::Location::new(
            uri,
            range(self.text(span.file), span.range()),
        ))
    }

    /// The document's diagnostics. One whose primary label lies in another file (an
    /// imported module) is shown at the top of the document, naming where it is, so the
    /// document never looks clean while something it uses is broken.
    pub fn diagnostics(&self, document: &lsp::Uri) -> Vec<lsp::Diagnostic> {
        self.compilation
            .diagnostics
            .iter()
            .map(|d| self.convert(d, document))
            .collect()
    }

    fn convert(&self, d: &Diagnostic, document: &lsp::Uri) -> lsp::Diagnostic {
        let primary = d.labels.first();
        let (range, elsewhere) = match primary {
            Some(l) if l.span.file == self.root => {
                (range(self.text(self.root), l.span.range()), None)
            }
            Some(l) => {
                let (line, col) = self.compilation.sources.line_col(l.span);
                let name = &self.compilation.sources.get(l.span.file).name;
                (
                    lsp::Range::default(),
                    Some(format!("in {name}:{line}:{col}: ")),
                )
            }
            None => (lsp::Range::default(), None),
        };
        let mut message = format!("{}{}", elsewhere.unwrap_or_default(), d.message);
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        for note in &d.notes {
            message.push_str(&format!("\nnote: {note}"));
        }
        let related: Vec<lsp::DiagnosticRelatedInformation> = d
            .labels
            .iter()
            .filter_map(|l| {
                Some(lsp::DiagnosticRelatedInformation {
                    location: self.location(l.span, document)?,
                    message: l.message.clone(),
                })
            })
            .collect();
        lsp::Diagnostic {
            range,
            severity: Some(match d.code.severity() {
                Severity::Error => lsp::DiagnosticSeverity::ERROR,
                Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            }),
            code: Some(lsp::NumberOrString::String(d.code.as_str().to_string())),
            source: Some("physc".into()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            ..Default::default()
        }
    }

    /// Over a diagnostic: its code's explanation; over a declared name: its declaration.
    pub fn hover(&self, at: lsp::Position) -> Option<lsp::Hover> {
        let text = self.text(self.root);
        let byte = offset(text, at);
        let over = |span: Span| span.file == self.root && span.range().contains(&byte);
        if let Some(d) = self
            .compilation
            .diagnostics
            .iter()
            .find(|d| d.labels.first().is_some_and(|l| over(l.span)))
        {
            let span = d.labels[0].span;
            return Some(markdown(
                format!(
                    "**{}** {}\n\n{}",
                    d.code.as_str(),
                    d.code.title(),
                    d.code.explanation()
                ),
                range(text, span.range()),
            ));
        }
        let (word, word_range) = word_at(text, byte)?;
        let block = complete::enclosing_block(text, byte).and_then(complete::job_kind);
        if let Some(doc) = block.and_then(|kind| complete::setting_hover(kind, word)) {
            return Some(markdown(doc, range(text, word_range)));
        }
        let Some((keyword, declaration)) = self.declaration(word, byte) else {
            let variables = self.variables_at(byte);
            return super::builtin_docs::hover(word, &variables)
                .map(|doc| markdown(doc, range(text, word_range)));
        };
        let source = self.text(declaration.file);
        let line = source[declaration.range()]
            .lines()
            .next()
            .unwrap_or("")
            .trim();
        // Some declarations' spans start at the name, after their keyword.
        let line = if line.starts_with(keyword) {
            line.to_string()
        } else {
            format!("{keyword} {line}")
        };
        Some(markdown(
            format!("```phys\n{line}\n```"),
            range(text, word_range),
        ))
    }

    /// The space and time variables of the document's model around byte `at`.
    fn variables_at(&self, at: usize) -> Vec<String> {
        match self.item_at(at) {
            Some(ast::Item::Model(m)) => m
                .members
                .iter()
                .filter_map(|member| match member {
                    ast::Member::Space(v) | ast::Member::Time(v) => Some(v.name.name.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The document's item around byte `at`.
    pub(super) fn item_at(&self, at: usize) -> Option<&ast::Item> {
        let module = self.compilation.modules.first()?;
        module
            .ast
            .items
            .iter()
            .find(|i| i.span().range().contains(&at))
    }

    /// What may be written at the cursor (see `complete`).
    pub fn completion(&self, at: lsp::Position) -> Vec<lsp::CompletionItem> {
        let text = self.text(self.root);
        let byte = offset(text, at);
        let names: Vec<String> = match self.item_at(byte) {
            Some(ast::Item::Model(m)) => m
                .members
                .iter()
                .filter_map(|mem| declared(mem).map(|(_, ident, _)| ident.name.clone()))
                .collect(),
            _ => Vec::new(),
        };
        complete::complete(text, byte, &names)
    }

    /// Where the name under the cursor is declared.
    pub fn definition(&self, at: lsp::Position, document: &lsp::Uri) -> Option<lsp::Location> {
        let text = self.text(self.root);
        let byte = offset(text, at);
        let (word, _) = word_at(text, byte)?;
        let (_, declaration) = self.declaration(word, byte)?;
        self.location(declaration, document)
    }

    /// The declaration of `name` seen from byte `at` of the document: a member of the
    /// model `at` is in first, then a top-level constant, function or model, in the
    /// document or a module it uses; for a qualified name (`ops.lap`, `ops` a module
    /// imported `as ops`), only that module's own items. Returns the declaration's span (its
    /// name's, for a definition's target, is inside it) with the declaration's keyword.
    pub(super) fn declaration(&self, name: &str, at: usize) -> Option<(&'static str, Span)> {
        if let Some(module) = self.qualifier_module(at) {
            let items = &self.compilation.modules.get(module)?.ast.items;
            return items.iter().find_map(|item| match item {
                ast::Item::Const(c) if c.name.name == name => Some(("const", c.span)),
                ast::Item::Fn(f) if f.name.name == name => Some(("fn", f.span)),
                _ => None,
            });
        }
        let mut found = None;
        for (k, module) in self.compilation.modules.iter().enumerate() {
            for item in &module.ast.items {
                match item {
                    ast::Item::Model(m) => {
                        let inside = k == 0 && m.span.range().contains(&at);
                        if m.name.name == name && found.is_none() {
                            found = Some(("model", m.name.span));
                        }
                        if inside {
                            if let Some(span) = m.members.iter().find_map(|mem| member(mem, name)) {
                                return Some(span);
                            }
                        }
                    }
                    ast::Item::Const(c) if c.name.name == name => {
                        found = found.or(Some(("const", c.span)));
                    }
                    ast::Item::Fn(f) if f.name.name == name => {
                        found = found.or(Some(("fn", f.span)));
                    }
                    ast::Item::Network(n) if n.name.name == name => {
                        found = found.or(Some(("network", n.span)));
                    }
                    _ => {}
                }
            }
        }
        found
    }

    /// The module a qualified name at byte `at` of the document names: the word there is
    /// preceded by `alias.`, and the document imports a module `as alias`.
    fn qualifier_module(&self, at: usize) -> Option<usize> {
        let text = self.text(self.root);
        let (_, word) = word_at(text, at)?;
        let before = text[..word.start].strip_suffix('.')?;
        let (alias, _) = word_at(before, before.len())?;
        let root = self.compilation.modules.first()?;
        root.imports
            .iter()
            .find(|i| i.alias.as_deref() == Some(alias))
            .map(|i| i.module)
    }

    /// The document's semantic tokens (see `tokens`).
    pub fn semantic_tokens(&self) -> lsp::SemanticTokens {
        let items = self
            .compilation
            .modules
            .first()
            .map_or(&[][..], |m| &m.ast.items[..]);
        lsp::SemanticTokens {
            result_id: None,
            data: super::tokens::semantic_tokens(self.text(self.root), items),
        }
    }

    /// The document's models (with their fields) and jobs.
    pub fn symbols(&self) -> Vec<lsp::DocumentSymbol> {
        let text = self.text(self.root);
        let Some(module) = self.compilation.modules.first() else {
            return Vec::new();
        };
        let symbol = |name: &str, kind, span: Span, selection: Span, children| {
            #[allow(deprecated)]
            lsp::DocumentSymbol {
                name: name.to_string(),
                detail: None,
                kind,
                tags: None,
                deprecated: None,
                range: range(text, span.range()),
                selection_range: range(text, selection.range()),
                children,
            }
        };
        module
            .ast
            .items
            .iter()
            .filter_map(|item| match item {
                ast::Item::Model(m) => {
                    let fields = m
                        .members
                        .iter()
                        .filter_map(|mem| match mem {
                            ast::Member::Field(f) => Some(symbol(
                                &f.name.name,
                                lsp::SymbolKind::FIELD,
                                f.span,
                                f.name.span,
                                None,
                            )),
                            _ => None,
                        })
                        .collect();
                    Some(symbol(
                        &m.name.name,
                        lsp::SymbolKind::CLASS,
                        m.span,
                        m.name.span,
                        Some(fields),
                    ))
                }
                ast::Item::Job(j) => Some(symbol(
                    &format!("{} {}", j.kind.keyword(), j.target.name),
                    lsp::SymbolKind::EVENT,
                    j.span,
                    j.target.span,
                    None,
                )),
                ast::Item::Const(c) => Some(symbol(
                    &c.name.name,
                    lsp::SymbolKind::CONSTANT,
                    c.span,
                    c.name.span,
                    None,
                )),
                ast::Item::Fn(f) => Some(symbol(
                    &f.name.name,
                    lsp::SymbolKind::FUNCTION,
                    f.span,
                    f.name.span,
                    None,
                )),
                ast::Item::Network(n) => Some(symbol(
                    &n.name.name,
                    lsp::SymbolKind::CLASS,
                    n.span,
                    n.name.span,
                    None,
                )),
                _ => None,
            })
            .collect()
    }
}

/// The keyword and span of `name`'s declaration among a model's members, if it declares it.
fn member(m: &ast::Member, name: &str) -> Option<(&'static str, Span)> {
    let (keyword, ident, span) = declared(m)?;
    (ident.name == name).then_some((keyword, span))
}

/// What a model member declares: its keyword, name and span (none for equations).
fn declared(m: &ast::Member) -> Option<(&'static str, &ast::Ident, Span)> {
    Some(match m {
        ast::Member::Space(v) => ("space", &v.name, v.span),
        ast::Member::Time(v) => ("time", &v.name, v.span),
        ast::Member::Const(c) => ("const", &c.name, c.span),
        ast::Member::Param(p) => ("param", &p.name, p.span),
        ast::Member::Field(f) => ("field", &f.name, f.span),
        ast::Member::Let(l) => ("let", &l.name, l.span),
        ast::Member::Fn(f) => ("fn", &f.name, f.span),
        ast::Member::Part(p) => ("part", &p.name, p.span),
        _ => return None,
    })
}

/// A file holding a standard library module's text, for editors to open: the modules are
/// compiled into physc and have no file of their own, so each is written once per physc
/// version under the temporary directory (through a temporary name and a rename, so a
/// reader never sees half a file). `name` is the module's source name, `std/<module>.phys`.
fn standard_library_file(name: &str, text: &str) -> Option<PathBuf> {
    let file_name = Path::new(name).file_name()?;
    let dir = std::env::temp_dir().join(format!("physc-{}-std", env!("CARGO_PKG_VERSION")));
    let path = dir.join(file_name);
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
        std::fs::create_dir_all(&dir).ok()?;
        let partial = dir.join(format!(
            ".{}.{}",
            file_name.to_string_lossy(),
            std::process::id()
        ));
        std::fs::write(&partial, text).ok()?;
        std::fs::rename(&partial, &path).ok()?;
    }
    Some(path)
}

/// The identifier around byte `at`, and its byte range.
pub(super) fn word_at(text: &str, at: usize) -> Option<(&str, std::ops::Range<usize>)> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let start = text[..at.min(text.len())]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_word(c))
        .last()
        .map_or(at, |(i, _)| i);
    let end = text[at.min(text.len())..]
        .char_indices()
        .find(|&(_, c)| !is_word(c))
        .map_or(text.len(), |(i, _)| at + i);
    let word = &text[start..end];
    (!word.is_empty() && !word.starts_with(|c: char| c.is_ascii_digit()))
        .then_some((word, start..end))
}

fn markdown(value: String, range: lsp::Range) -> lsp::Hover {
    lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value,
        }),
        range: Some(range),
    }
}

/// `physc fmt`'s text for the document, as one edit over the whole of it; none when the
/// document has syntax errors (formatting never guesses) or is already formatted.
pub fn format(text: &str) -> Option<Vec<lsp::TextEdit>> {
    let (_, parsed) = driver::parse_source("document.phys", text);
    if parsed.diagnostics.has_errors() {
        return None;
    }
    let formatted = syntax::format::format_file(&parsed.ast, &parsed.comments, text);
    if formatted == text {
        return Some(Vec::new());
    }
    Some(vec![lsp::TextEdit {
        range: lsp::Range::new(lsp::Position::new(0, 0), position(text, text.len())),
        new_text: formatted,
    }])
}
