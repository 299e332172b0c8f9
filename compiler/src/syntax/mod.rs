//! Syntax: source text to AST. `lexer` (logos) makes tokens and keeps comments aside,
//! `grammar.lalrpop` builds the [`ast`] with spans and recovers from errors, `format`
//! prints an AST back as canonical source (`physc fmt`), and `sexpr` prints it as a
//! span-free tree (`physc show --stage ast`, snapshots, formatter round-trip tests).

pub mod ast;
pub mod format;
pub mod lexer;
pub mod sexpr;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, Span};
use ast::{BinOp, Expr, ExprKind};
use lalrpop_util::{lalrpop_mod, ErrorRecovery, ParseError};
use lexer::{Comment, LexError, Token};

lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, unused)]
    grammar,
    "/syntax/grammar.rs"
);

/// The result of parsing one file: always a tree (possibly with error nodes), the comments
/// for the formatter, and every lexical and syntax error found.
pub struct Parsed {
    pub ast: ast::File,
    pub comments: Vec<Comment>,
    pub diagnostics: Diagnostics,
}

pub fn parse(file: FileId, text: &str) -> Parsed {
    let lexed = lexer::lex(text);
    let mut diagnostics = Diagnostics::new();
    for problem in &lexed.problems {
        diagnostics.push(lex_diagnostic(file, text, problem));
    }
    let mut recovered = Vec::new();
    let brackets = Brackets::new(&lexed.tokens);
    let tokens = lexed.tokens.into_iter().map(Ok::<_, LexError>);
    let mut syntax_errors = Vec::new();
    let ast = match grammar::FileParser::new().parse(file, &mut recovered, tokens) {
        Ok(ast) => ast,
        Err(error) => {
            syntax_errors.push(parse_diagnostic(file, text.len(), error));
            ast::File::default()
        }
    };
    for ErrorRecovery { error, .. } in recovered {
        syntax_errors.push(parse_diagnostic(file, text.len(), error));
    }
    // An unterminated comment swallows the rest of the file; the end-of-file error that
    // follows says nothing new.
    if lexed
        .problems
        .iter()
        .any(|p| p.error == LexError::UnterminatedComment)
    {
        syntax_errors.retain(|d| d.code != Code::UnexpectedEof);
    }
    syntax_errors.sort_by_key(|d| d.primary_span().start);
    brackets.annotate(file, &mut syntax_errors);
    diagnostics.extend(syntax_errors);
    let mut ast = ast;
    if let Some(span) = too_deep(&ast) {
        diagnostics.push(
            Diagnostic::new(
                Code::NestedTooDeeply,
                span,
                format!("this expression is nested more than {MAX_DEPTH} levels deep"),
                "too deep",
            )
            .with_help("split it with `let` definitions"),
        );
        // Nothing downstream should walk a tree this deep; dropping it is iterative enough.
        ast = ast::File::default();
    }
    Parsed {
        ast,
        comments: lexed.comments,
        diagnostics,
    }
}

/// Where each `(` and `[` opens and whether it is ever closed, so a syntax error can point at
/// the bracket that was left open, which is usually the real mistake.
struct Brackets {
    /// (offset of an opening bracket, its token, offset where it is closed or None)
    opens: Vec<(usize, char, Option<usize>)>,
    /// `{` never closed before the next top-level keyword: (offset of `{`, offset of keyword).
    open_braces: Vec<(usize, usize)>,
    /// Tokens, to see what precedes an error.
    tokens: Vec<(usize, Token, usize)>,
}

impl Brackets {
    fn new(tokens: &[(usize, Token, usize)]) -> Brackets {
        let mut opens: Vec<(usize, char, Option<usize>)> = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        let mut braces: Vec<usize> = Vec::new();
        let mut open_braces = Vec::new();
        for (l, token, _) in tokens {
            match token {
                Token::Model
                | Token::Train
                | Token::Simulate
                | Token::Discover
                | Token::Evolve
                | Token::Use => {
                    if let Some(&open) = braces.first() {
                        open_braces.push((open, *l));
                    }
                    braces.clear();
                }
                _ => {}
            }
            match token {
                Token::LParen => {
                    stack.push(opens.len());
                    opens.push((*l, '(', None));
                }
                Token::LBracket => {
                    stack.push(opens.len());
                    opens.push((*l, '[', None));
                }
                Token::RParen | Token::RBracket => {
                    let want = if *token == Token::RParen { '(' } else { '[' };
                    if let Some(&top) = stack.last() {
                        if opens[top].1 == want {
                            opens[top].2 = Some(*l);
                            stack.pop();
                        }
                    }
                }
                // A new declaration closes nothing, but an open bracket before it is lost.
                Token::LBrace => {
                    braces.push(*l);
                    stack.clear();
                }
                Token::RBrace => {
                    braces.pop();
                    stack.clear();
                }
                _ => {}
            }
        }
        Brackets {
            opens,
            open_braces,
            tokens: tokens.to_vec(),
        }
    }

    /// Point the first syntax error after each bracket that is never closed at that
    /// bracket: the missing `)` is usually the real mistake.
    fn annotate(&self, file: FileId, errors: &mut [Diagnostic]) {
        for d in errors.iter_mut() {
            let at = d.primary_span().start as usize;
            if let Some(&(open, _)) = self.open_braces.iter().find(|(_, keyword)| *keyword == at) {
                *d = d
                    .clone()
                    .with_label(Span::new(file, open..open + 1), "this `{` is not closed")
                    .with_help("add the missing `}`");
            } else if self.juxtaposed(at) {
                *d = d
                    .clone()
                    .with_help("physc has no implicit multiplication: write `*` between factors, as in `0.1 * dxx(u)`");
            }
        }
        for (start, c, close) in &self.opens {
            if close.is_some() {
                continue;
            }
            let first_after = errors
                .iter_mut()
                .find(|d| d.primary_span().start as usize > *start);
            if let Some(d) = first_after {
                let closer = if *c == '(' { ')' } else { ']' };
                *d = d
                    .clone()
                    .with_label(
                        Span::new(file, *start..start + 1),
                        format!("this `{c}` is not closed"),
                    )
                    .with_help(format!("add the missing `{closer}`"));
            }
        }
    }
}

impl Brackets {
    /// Whether the token at `at` starts a factor right after one ended, on the same line
    /// (`0.1 dxx(u)`, `2 x`): a missing `*`.
    fn juxtaposed(&self, at: usize) -> bool {
        let Some(i) = self.tokens.iter().position(|(l, _, _)| *l == at) else {
            return false;
        };
        let starts_factor = matches!(
            self.tokens[i].1,
            Token::Ident(_) | Token::Number(_) | Token::LParen
        );
        let ends_factor = i > 0
            && matches!(
                self.tokens[i - 1].1,
                Token::Ident(_) | Token::Number(_) | Token::RParen
            );
        starts_factor && ends_factor && at - self.tokens[i - 1].2 <= 3
    }
}

/// Deeper expressions are rejected so every later stage can recurse over trees safely.
pub const MAX_DEPTH: usize = 400;

/// The span of the first expression nested deeper than [`MAX_DEPTH`], found without
/// recursion.
fn too_deep(file: &ast::File) -> Option<Span> {
    let mut roots: Vec<&Expr> = Vec::new();
    for item in &file.items {
        visit_item_exprs(item, &mut |e| roots.push(e));
    }
    let mut stack: Vec<(&Expr, usize)> = roots.into_iter().map(|e| (e, 1)).collect();
    while let Some((e, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Some(Span {
                end: e.span.start + 1,
                ..e.span
            });
        }
        match &e.kind {
            ExprKind::Neg(a) | ExprKind::Member { base: a, .. } => stack.push((a, depth + 1)),
            ExprKind::Binary { lhs, rhs, .. } => {
                stack.push((lhs, depth + 1));
                stack.push((rhs, depth + 1));
            }
            ExprKind::Call { args, .. } => stack.extend(args.iter().map(|a| (&a.value, depth + 1))),
            ExprKind::List(items) => stack.extend(items.iter().map(|i| (i, depth + 1))),
            _ => {}
        }
    }
    None
}

/// Every top-level expression of an item.
fn visit_item_exprs<'a>(item: &'a ast::Item, f: &mut impl FnMut(&'a Expr)) {
    use ast::{Item, Member, SettingValue};
    match item {
        Item::Const(c) => {
            f(&c.value);
            c.units.iter().for_each(&mut *f);
        }
        Item::Fn(d) => f(&d.body),
        Item::Model(m) => {
            for member in &m.members {
                match member {
                    Member::Space(v) | Member::Time(v) => {
                        f(&v.interval);
                        v.units.iter().for_each(&mut *f);
                    }
                    Member::Const(c) => {
                        f(&c.value);
                        c.units.iter().for_each(&mut *f);
                    }
                    Member::Param(p) => {
                        f(&p.guess);
                        p.units.iter().chain(&p.bounds).for_each(&mut *f);
                    }
                    Member::Field(d) => d.units.iter().for_each(&mut *f),
                    Member::Let(l) => f(&l.value),
                    Member::Fn(d) => f(&d.body),
                    Member::Equation(e) => {
                        f(&e.lhs);
                        f(&e.rhs);
                        if let Some(ast::Location::At { value, .. }) = &e.location {
                            f(value);
                        }
                    }
                    _ => {}
                }
            }
        }
        Item::Job(j) => {
            for setting in &j.settings {
                for stage in &setting.stages {
                    match stage {
                        SettingValue::Expr(e) => f(e),
                        SettingValue::Record(args, _) => args.iter().for_each(|a| f(&a.value)),
                    }
                }
            }
        }
        Item::Use(_) | Item::Error(_) => {}
    }
}

/// Parse one expression on its own (`physc simplify "EXPR"`).
pub fn parse_expression(file: FileId, text: &str) -> Result<Expr, Diagnostics> {
    let lexed = lexer::lex(text);
    let mut diagnostics = Diagnostics::new();
    for problem in &lexed.problems {
        diagnostics.push(lex_diagnostic(file, text, problem));
    }
    let mut recovered = Vec::new();
    let tokens = lexed.tokens.into_iter().map(Ok::<_, LexError>);
    match grammar::ExpressionParser::new().parse(file, &mut recovered, tokens) {
        Ok(e) if diagnostics.is_empty() && recovered.is_empty() => {
            if let Some(span) = too_deep(&ast::File {
                items: vec![ast::Item::Const(ast::ConstDecl {
                    name: ast::Ident {
                        name: String::new(),
                        span: e.span,
                    },
                    value: e.clone(),
                    units: None,
                    span: e.span,
                })],
            }) {
                diagnostics.push(Diagnostic::new(
                    Code::NestedTooDeeply,
                    span,
                    format!("this expression is nested more than {MAX_DEPTH} levels deep"),
                    "too deep",
                ));
                return Err(diagnostics);
            }
            Ok(e)
        }
        Ok(_) => Err(diagnostics),
        Err(error) => {
            diagnostics.push(parse_diagnostic(file, text.len(), error));
            Err(diagnostics)
        }
    }
}

fn lex_diagnostic(file: FileId, text: &str, problem: &lexer::LexProblem) -> Diagnostic {
    let span = Span::new(file, problem.start..problem.end);
    match problem.error {
        LexError::UnexpectedChar => {
            let found = text.get(problem.start..problem.end).unwrap_or("?");
            let help = match found {
                "#" => "comments start with `//`".to_string(),
                "×" => "multiply with `*`".to_string(),
                "÷" => "divide with `/`".to_string(),
                "⁴" | "⁵" | "⁶" | "⁷" | "⁸" | "⁹" | "¹" | "⁰" => {
                    "write powers with `^`, like `T^4`".to_string()
                }
                _ => "names are letters, digits and `_`; operators are + - * / ^ and =".to_string(),
            };
            Diagnostic::new(
                Code::UnexpectedChar,
                span,
                format!("unexpected character `{}`", found.escape_debug()),
                "not part of the .phys language",
            )
            .with_help(help)
        }
        LexError::UnterminatedString => Diagnostic::new(
            Code::UnterminatedString,
            span,
            "unterminated string",
            "this string has no closing quote",
        )
        .with_help("close it with `\"` on the same line"),
        LexError::UnterminatedComment => Diagnostic::new(
            Code::UnterminatedComment,
            span,
            "unterminated block comment",
            "this comment is never closed",
        )
        .with_help("close it with `*/`"),
    }
}

fn parse_diagnostic(
    file: FileId,
    len: usize,
    error: ParseError<usize, Token, LexError>,
) -> Diagnostic {
    match error {
        ParseError::UnrecognizedToken {
            token: (l, token, r),
            expected,
        } => Diagnostic::new(
            Code::UnexpectedToken,
            Span::new(file, l..r),
            format!("unexpected {token}"),
            format!("expected {}", describe_expected(&expected)),
        ),
        ParseError::UnrecognizedEof { location, expected } => {
            let at = location.min(len);
            Diagnostic::new(
                Code::UnexpectedEof,
                Span::new(file, at..at),
                "unexpected end of file",
                format!("expected {}", describe_expected(&expected)),
            )
            .with_help("a `{` may be missing its `}`")
        }
        ParseError::ExtraToken {
            token: (l, token, r),
        } => Diagnostic::new(
            Code::UnexpectedToken,
            Span::new(file, l..r),
            format!("unexpected {token}"),
            "nothing more was expected here",
        ),
        ParseError::InvalidToken { location } => Diagnostic::new(
            Code::UnexpectedChar,
            Span::new(file, location..location + 1),
            "invalid token",
            "here",
        ),
        ParseError::User { error } => Diagnostic::new(
            Code::UnexpectedChar,
            Span::new(file, 0..0),
            format!("lexical error: {error:?}"),
            "here",
        ),
    }
}

/// lalrpop names terminals as they are written in the grammar (`"name"`, `"}"`); turn the
/// list into prose, collapsing the keyword flood that an expected `Name` produces.
fn describe_expected(expected: &[String]) -> String {
    let keywords: &[&str] = &[
        "\"model\"",
        "\"space\"",
        "\"time\"",
        "\"const\"",
        "\"param\"",
        "\"field\"",
        "\"let\"",
        "\"pde\"",
        "\"ode\"",
        "\"initial\"",
        "\"boundary\"",
        "\"constraint\"",
        "\"data\"",
        "\"at\"",
        "\"on\"",
        "\"in\"",
        "\"from\"",
        "\"use\"",
        "\"train\"",
        "\"simulate\"",
        "\"discover\"",
        "\"evolve\"",
        "\"periodic\"",
        "\"fn\"",
    ];
    let keyword_count = expected
        .iter()
        .filter(|e| keywords.contains(&e.as_str()))
        .count();
    // Closing and separating punctuation first: they are what is usually missing.
    let rank = |e: &String| match e.trim_matches('"') {
        ")" | "]" | "}" | "," | ":" | "=" => 0,
        "name" | "number" | "string" => 1,
        "²" | "³" => 3,
        _ => 2,
    };
    let mut expected: Vec<String> = expected.iter().filter(|e| rank(e) < 3).cloned().collect();
    expected.sort_by_key(rank);
    let mut words: Vec<String> = Vec::new();
    if keyword_count > 12 {
        // Setting names may be keywords, so a flood with `name` in it is a setting; without
        // it, the parser wants a model member.
        let setting = expected.iter().any(|e| e == "\"name\"");
        words.push(if setting {
            "a setting or option name".into()
        } else {
            "a declaration (`field`, `pde`, `boundary`, …)".into()
        });
    }
    for e in &expected {
        if keyword_count > 12 && keywords.contains(&e.as_str()) {
            continue;
        }
        let word = match e.trim_matches('"') {
            "name" => "a name".to_string(),
            "number" => "a number".to_string(),
            "string" => "a string".to_string(),
            other => format!("`{other}`"),
        };
        if !words.contains(&word) {
            words.push(word);
        }
    }
    match words.len() {
        0 => "something else".into(),
        1 => words.remove(0),
        n if n > 8 => format!("one of {}, …", words[..8].join(", ")),
        _ => {
            let last = words.pop().unwrap_or_default();
            format!("{} or {}", words.join(", "), last)
        }
    }
}

pub(crate) fn binary(file: FileId, l: usize, r: usize, op: BinOp, lhs: Expr, rhs: Expr) -> Expr {
    Expr {
        kind: ExprKind::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        span: Span::new(file, l..r),
    }
}

pub(crate) fn number(file: FileId, l: usize, r: usize, text: &str) -> Expr {
    Expr {
        kind: ExprKind::Number {
            value: text.parse().unwrap_or(f64::NAN),
            text: text.to_string(),
        },
        span: Span::new(file, l..r),
    }
}
