//! Syntax: source text to AST. `lexer` (logos) makes tokens and keeps comments aside,
//! `grammar.lalrpop` builds the [`ast`] with spans and recovers from errors, `format`
//! prints an AST back as canonical source (`physc fmt`), and `sexpr` prints it as a
//! span-free tree (`physc show --stage ast`, snapshots, formatter round-trip tests).

pub mod ast;
mod brackets;
mod depth;
pub mod format;
pub mod lexer;
pub mod sexpr;

pub use depth::{MAX_CHAIN, MAX_DEPTH};

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, Span};
use ast::{BinOp, Expr, ExprKind};
use brackets::Brackets;
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
    // Too deep for the parser: say so without parsing (see `depth`).
    if let Some(d) = depth::tokens_too_deep(file, &lexed.tokens) {
        diagnostics.push(d);
        return Parsed {
            ast: ast::File::default(),
            comments: lexed.comments,
            diagnostics,
        };
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
    if let Some(d) = depth::tree_too_deep(&ast) {
        diagnostics.push(d);
        // Nothing downstream should walk a tree this deep.
        ast = ast::File::default();
    }
    Parsed {
        ast,
        comments: lexed.comments,
        diagnostics,
    }
}

/// Parse one expression on its own (`physc simplify "EXPR"`).
pub fn parse_expression(file: FileId, text: &str) -> Result<Expr, Diagnostics> {
    let lexed = lexer::lex(text);
    let mut diagnostics = Diagnostics::new();
    for problem in &lexed.problems {
        diagnostics.push(lex_diagnostic(file, text, problem));
    }
    if let Some(d) = depth::tokens_too_deep(file, &lexed.tokens) {
        diagnostics.push(d);
        return Err(diagnostics);
    }
    let mut recovered = Vec::new();
    let tokens = lexed.tokens.into_iter().map(Ok::<_, LexError>);
    match grammar::ExpressionParser::new().parse(file, &mut recovered, tokens) {
        Ok(e) if diagnostics.is_empty() && recovered.is_empty() => {
            if let Some(d) = depth::exprs_too_deep(vec![&e]) {
                diagnostics.push(d);
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
        "\"domain\"",
        "\"part\"",
        "\"integral\"",
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
