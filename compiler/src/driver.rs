//! The driver: loads a `.phys` file and everything it `use`s (standard library modules are
//! compiled into physc; other files are read relative to the file that names them), parses
//! each once, and runs the checker. Every command of the CLI starts here. Files are read
//! through a [`FileProvider`]: the file system by default ([`FileSystem`]), or whatever a
//! host serves (an editor's unsaved buffers, a notebook, a test's [`MemoryFiles`]).

use crate::check::{self, Program};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{self, ast, lexer::Comment};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The standard library, embedded so physc works from any directory.
pub const STDLIB: &[(&str, &str)] = &[
    ("operators", include_str!("../../stdlib/operators.phys")),
    ("equations", include_str!("../../stdlib/equations.phys")),
    ("systems", include_str!("../../stdlib/systems.phys")),
    ("pdes", include_str!("../../stdlib/pdes.phys")),
    (
        "architectures",
        include_str!("../../stdlib/architectures.phys"),
    ),
];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ModuleKey {
    Std(String),
    File(PathBuf),
    /// Source given as text (tests, `physc simplify`): no directory to resolve paths in.
    Text(String),
}

pub struct Module {
    pub key: ModuleKey,
    /// How messages name it: `std.operators`, or the file as the first `use` of it wrote it.
    pub name: String,
    /// The directory relative paths in this module are resolved against: the file's own
    /// directory, or the one a caller gave for source text.
    dir: Option<PathBuf>,
    pub file: FileId,
    pub ast: ast::File,
    pub comments: Vec<Comment>,
    /// What this module imports: (module index, one item or everything, the `use` span).
    pub imports: Vec<Import>,
}

#[derive(Debug, Clone)]
pub struct Import {
    pub module: usize,
    pub item: Option<String>,
    /// `use … as NAME`: the module's items only as `NAME.item`.
    pub alias: Option<String>,
    pub span: Span,
}

impl Module {
    /// The directory relative paths in this module are resolved against.
    pub fn base_dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }
}

/// Where `.phys` files are read from.
pub trait FileProvider {
    /// The text of the file at `path`.
    fn read(&self, path: &Path) -> std::io::Result<String>;

    /// The bytes of the file at `path` (STL meshes named by `stl("...")` in a domain).
    fn read_bytes(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.read(path).map(String::into_bytes)
    }

    /// The name under which `path` is loaded once, however it was spelled.
    fn canonical(&self, path: &Path) -> PathBuf {
        path.to_path_buf()
    }
}

/// The file system: paths as the operating system resolves them.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileSystem;

impl FileProvider for FileSystem {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }

    fn read_bytes(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        // A device such as /dev/zero would be read forever.
        if !std::fs::metadata(path)?.is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file",
            ));
        }
        std::fs::read(path)
    }

    fn canonical(&self, path: &Path) -> PathBuf {
        path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
    }
}

/// Files served from memory, by path (`use "materials.phys"` next to a root at `dir/`
/// reads `dir/materials.phys`). A path not held is "no such file".
#[derive(Debug, Clone, Default)]
pub struct MemoryFiles {
    files: HashMap<PathBuf, String>,
}

impl MemoryFiles {
    pub fn new() -> Self {
        Self::default()
    }

    /// Serve `text` as the file at `path`.
    pub fn insert(&mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> &mut Self {
        self.files.insert(normalise(&path.into()), text.into());
        self
    }
}

impl FileProvider for MemoryFiles {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        self.files
            .get(&normalise(path))
            .cloned()
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }

    fn canonical(&self, path: &Path) -> PathBuf {
        normalise(path)
    }
}

/// `a/./b/../c` as `a/c`, without asking any file system.
fn normalise(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Everything one run of the front end produced.
pub struct Compilation {
    pub sources: SourceMap,
    /// The user's file first, then what it uses.
    pub modules: Vec<Module>,
    pub program: Program,
    pub diagnostics: Diagnostics,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.has_errors()
    }
}

/// Load, parse and check a file. A file that cannot be read is reported as a diagnostic.
pub fn compile_file(path: &Path) -> Compilation {
    compile_file_with(path, &FileSystem)
}

/// [`compile_file`], reading the file and its imports through `files`.
pub fn compile_file_with(path: &Path, files: &dyn FileProvider) -> Compilation {
    let mut loader = Loader::new(files);
    match files.read(path) {
        Ok(text) => {
            let canonical = files.canonical(path);
            let dir = canonical.parent().map(Path::to_path_buf);
            let key = ModuleKey::File(canonical);
            loader.add(key, path.display().to_string(), Some(path), dir, text);
        }
        Err(e) => {
            let name = path.display().to_string();
            let file = loader.sources.add(name.clone(), Some(path), String::new());
            loader.diagnostics.push(
                Diagnostic::new(
                    Code::FileNotFound,
                    Span::new(file, 0..0),
                    format!("cannot read `{name}`: {}", io_reason(&e)),
                    "",
                )
                .with_help("check the path; .phys files are plain UTF-8 text"),
            );
            return loader.finish_without_checking();
        }
    }
    loader.finish()
}

/// Parse and check source text (tests, one-off expressions); its file imports are read from
/// the file system relative to the working directory.
pub fn compile_source(name: &str, text: &str) -> Compilation {
    compile_source_with(name, text, None, &FileSystem)
}

/// Parse and check source text named `name`, whose `use "file"`s are read through `files`
/// relative to `dir` (the working directory when `None`).
pub fn compile_source_with(
    name: &str,
    text: &str,
    dir: Option<&Path>,
    files: &dyn FileProvider,
) -> Compilation {
    let mut loader = Loader::new(files);
    loader.add(
        ModuleKey::Text(name.to_string()),
        name.to_string(),
        None,
        dir.map(Path::to_path_buf),
        text.to_string(),
    );
    loader.finish()
}

/// Parse only: the syntax tree and syntax errors of one text, without loading its imports.
pub fn parse_source(name: &str, text: &str) -> (SourceMap, syntax::Parsed) {
    let mut sources = SourceMap::new();
    let file = sources.add(name, None, text.to_string());
    let parsed = syntax::parse(file, text);
    (sources, parsed)
}

struct Loader<'f> {
    files: &'f dyn FileProvider,
    sources: SourceMap,
    modules: Vec<Module>,
    index: HashMap<ModuleKey, usize>,
    diagnostics: Diagnostics,
}

impl<'f> Loader<'f> {
    fn new(files: &'f dyn FileProvider) -> Self {
        Loader {
            files,
            sources: SourceMap::new(),
            modules: Vec::new(),
            index: HashMap::new(),
            diagnostics: Diagnostics::new(),
        }
    }

    fn add(
        &mut self,
        key: ModuleKey,
        name: String,
        path: Option<&Path>,
        dir: Option<PathBuf>,
        text: String,
    ) -> usize {
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let display = match &key {
            ModuleKey::Std(module) => format!("std.{module}"),
            _ => name.clone(),
        };
        let file = self.sources.add(name, path, text.clone());
        let parsed = syntax::parse(file, &text);
        self.diagnostics.extend(parsed.diagnostics);
        let id = self.modules.len();
        self.index.insert(key.clone(), id);
        self.modules.push(Module {
            key,
            name: display,
            dir,
            file,
            ast: parsed.ast,
            comments: parsed.comments,
            imports: Vec::new(),
        });
        let uses: Vec<ast::UseDecl> = self.modules[id]
            .ast
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Use(u) => Some(u.clone()),
                _ => None,
            })
            .collect();
        for u in uses {
            if let Some(import) = self.resolve_use(id, &u) {
                self.modules[id].imports.push(import);
            }
        }
        id
    }

    fn resolve_use(&mut self, from: usize, u: &ast::UseDecl) -> Option<Import> {
        let mut import = self.resolve_target(from, u)?;
        if let Some(alias) = &u.alias {
            if import.item.is_some() {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::UnknownModule,
                        alias.span,
                        format!("`as {}` names a module, not one item of it", alias.name),
                        "alias of one item",
                    )
                    .with_help(
                        "import the whole module under the name (`use \"ops.phys\" as ops`, \
                         then `ops.lap(u)`), or the item itself without `as`",
                    ),
                );
                return None;
            }
            import.alias = Some(alias.name.clone());
        }
        Some(import)
    }

    fn resolve_target(&mut self, from: usize, u: &ast::UseDecl) -> Option<Import> {
        match &u.target {
            ast::UseTarget::Module(path) => {
                let names: Vec<&str> = path.iter().map(|p| p.name.as_str()).collect();
                if names.first() != Some(&"std") || names.len() < 2 || names.len() > 3 {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::UnknownModule,
                            u.span,
                            format!("unknown module `{}`", names.join(".")),
                            "not a standard library module",
                        )
                        .with_help(format!("standard modules: {}", stdlib_names())),
                    );
                    return None;
                }
                let Some((module, text)) = STDLIB.iter().find(|(m, _)| *m == names[1]) else {
                    let mut d = Diagnostic::new(
                        Code::UnknownModule,
                        path[1].span,
                        format!("the standard library has no module `{}`", names[1]),
                        "unknown module",
                    );
                    d = d.with_help(
                        crate::check::suggest::did_you_mean(
                            names[1],
                            STDLIB.iter().map(|(m, _)| *m),
                        )
                        .unwrap_or_else(|| format!("standard modules: {}", stdlib_names())),
                    );
                    self.diagnostics.push(d);
                    return None;
                };
                let id = self.add(
                    ModuleKey::Std(module.to_string()),
                    format!("std/{module}.phys"),
                    None,
                    None,
                    text.to_string(),
                );
                let item = path.get(2).map(|i| i.name.clone());
                if let Some(item_ident) = path.get(2) {
                    if !defines(&self.modules[id].ast, &item_ident.name) {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::UnknownModule,
                                item_ident.span,
                                format!("`std.{module}` has no `{}`", item_ident.name),
                                "not defined there",
                            )
                            .with_help(
                                crate::check::suggest::did_you_mean(
                                    &item_ident.name,
                                    item_names(&self.modules[id].ast),
                                )
                                .unwrap_or_else(|| {
                                    format!("`use std.{module}` imports everything it defines")
                                }),
                            ),
                        );
                        return None;
                    }
                }
                Some(Import {
                    module: id,
                    item,
                    alias: None,
                    span: u.span,
                })
            }
            ast::UseTarget::File { path, span, item } => {
                let base = self.modules[from]
                    .base_dir()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                let full = base.join(path);
                match self.files.read(&full) {
                    Ok(text) => {
                        let canonical = self.files.canonical(&full);
                        let dir = canonical.parent().map(Path::to_path_buf);
                        let key = ModuleKey::File(canonical);
                        let loaded = self.modules.len();
                        let id = self.add(key, full.display().to_string(), Some(&full), dir, text);
                        if id == loaded {
                            // Messages name the file as the `use` that loaded it wrote it.
                            self.modules[id].name = path.clone();
                        }
                        if let Some(item) = item {
                            if !defines(&self.modules[id].ast, &item.name) {
                                let help = crate::check::suggest::did_you_mean(
                                    &item.name,
                                    item_names(&self.modules[id].ast),
                                )
                                .unwrap_or_else(|| {
                                    format!("`use \"{path}\"` imports everything it defines")
                                });
                                self.diagnostics.push(
                                    Diagnostic::new(
                                        Code::UnknownModule,
                                        item.span,
                                        format!("`{path}` has no `{}`", item.name),
                                        "not defined there",
                                    )
                                    .with_help(help),
                                );
                                return None;
                            }
                        }
                        Some(Import {
                            module: id,
                            item: item.as_ref().map(|i| i.name.clone()),
                            alias: None,
                            span: u.span,
                        })
                    }
                    Err(e) => {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::FileNotFound,
                                *span,
                                format!("cannot read `{}`: {}", full.display(), io_reason(&e)),
                                "no such file",
                            )
                            .with_help(
                                "paths in `use` are relative to the file that contains them",
                            ),
                        );
                        None
                    }
                }
            }
        }
    }

    fn finish_without_checking(self) -> Compilation {
        Compilation {
            sources: self.sources,
            modules: self.modules,
            program: Program::default(),
            diagnostics: self.diagnostics,
        }
    }

    fn finish(mut self) -> Compilation {
        // A file with syntax errors is not checked further: its tree has holes, and errors
        // about the holes would only bury the ones that matter.
        if self.diagnostics.has_errors() {
            return self.finish_without_checking();
        }
        let (program, diagnostics) = check::check(&self.modules, stdlib_homes(), self.files);
        self.diagnostics.extend(diagnostics);
        Compilation {
            sources: self.sources,
            modules: self.modules,
            program,
            diagnostics: self.diagnostics,
        }
    }
}

/// The reason a file could not be read, worded the same on every platform.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::InvalidData => "not UTF-8 text".into(),
        _ => e.to_string(),
    }
}

fn stdlib_names() -> String {
    STDLIB
        .iter()
        .map(|(m, _)| format!("std.{m}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn item_names(file: &ast::File) -> impl Iterator<Item = &str> {
    file.items.iter().filter_map(|i| match i {
        ast::Item::Const(c) => Some(c.name.name.as_str()),
        ast::Item::Fn(f) => Some(f.name.name.as_str()),
        ast::Item::Model(m) => Some(m.name.name.as_str()),
        ast::Item::Network(n) => Some(n.name.name.as_str()),
        _ => None,
    })
}

fn defines(file: &ast::File, name: &str) -> bool {
    item_names(file).any(|n| n == name)
}

/// Which standard module defines each name, for "add `use std.x`" hints.
fn stdlib_homes() -> &'static HashMap<String, String> {
    static HOMES: OnceLock<HashMap<String, String>> = OnceLock::new();
    HOMES.get_or_init(|| {
        let mut homes = HashMap::new();
        for (module, text) in STDLIB {
            let parsed = syntax::parse(FileId(0), text);
            for name in item_names(&parsed.ast) {
                homes
                    .entry(name.to_string())
                    .or_insert(format!("std.{module}"));
            }
        }
        homes
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_are_served_from_memory() {
        let mut files = MemoryFiles::new();
        files.insert("lib/materials.phys", "const k = 2\n");
        let root = "use \"materials.phys\"\nmodel M {\n  time t in [0, 1]\n  field y(t)\n  ode dt(y) = -k * y\n  initial y = 1\n}\n";
        let c = compile_source_with("root.phys", root, Some(Path::new("lib")), &files);
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        assert_eq!(c.modules.len(), 2);
        assert_eq!(
            c.modules[1].key,
            ModuleKey::File(PathBuf::from("lib/materials.phys"))
        );
    }

    #[test]
    fn a_file_not_served_is_a_diagnostic() {
        let files = MemoryFiles::new();
        let c = compile_source_with("root.phys", "use \"nope.phys\"\n", None, &files);
        assert!(c.diagnostics.iter().any(|d| d.code == Code::FileNotFound));
        let c = compile_file_with(Path::new("./a/../missing.phys"), &files);
        assert!(c.has_errors());
    }

    #[test]
    fn paths_are_normalised_without_a_file_system() {
        assert_eq!(
            normalise(Path::new("a/./b/../c.phys")),
            PathBuf::from("a/c.phys")
        );
        assert_eq!(
            normalise(Path::new("../x.phys")),
            PathBuf::from("../x.phys")
        );
    }
}
