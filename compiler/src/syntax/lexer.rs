//! The lexer: source text to tokens (logos). Comments are not tokens for the parser; they are
//! kept aside with their spans so `physc fmt` can put them back. Unicode sugar is normalised
//! here (`∂t` is `dt`, `∇²` is `lap`, `∇` is `grad`, `·` is `*`, `²` is `^2`), so no later
//! stage sees it.

use logos::Logos;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Default)]
pub enum LexError {
    #[default]
    UnexpectedChar,
    UnterminatedComment,
    UnterminatedString,
}

fn block_comment(lex: &mut logos::Lexer<Token>) -> Result<(), LexError> {
    match lex.remainder().find("*/") {
        Some(end) => {
            lex.bump(end + 2);
            Ok(())
        }
        None => {
            lex.bump(lex.remainder().len());
            Err(LexError::UnterminatedComment)
        }
    }
}

fn string_body(lex: &mut logos::Lexer<Token>) -> String {
    let s = lex.slice();
    unescape(&s[1..s.len() - 1])
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn unterminated_string(_: &mut logos::Lexer<Token>) -> Result<(), LexError> {
    Err(LexError::UnterminatedString)
}

/// `∂xx` is `dxx`: the partial sign is sugar for the `d` prefix of derivative operators.
fn partial(lex: &mut logos::Lexer<Token>) -> String {
    format!("d{}", &lex.slice()['∂'.len_utf8()..])
}

#[derive(Logos, Debug, Clone, PartialEq)]
#[logos(error = LexError)]
#[logos(skip r"[ \t\r\n\f]+")]
pub enum Token {
    #[token("model")]
    Model,
    #[token("space")]
    Space,
    #[token("time")]
    Time,
    #[token("const")]
    Const,
    #[token("param")]
    Param,
    #[token("field")]
    Field,
    #[token("let")]
    Let,
    #[token("fn")]
    Fn,
    #[token("pde")]
    Pde,
    #[token("ode")]
    Ode,
    #[token("initial")]
    Initial,
    #[token("boundary")]
    Boundary,
    #[token("constraint")]
    Constraint,
    #[token("data")]
    Data,
    #[token("at")]
    At,
    #[token("on")]
    On,
    #[token("in")]
    In,
    #[token("from")]
    From,
    #[token("use")]
    Use,
    #[token("train")]
    Train,
    #[token("simulate")]
    Simulate,
    #[token("discover")]
    Discover,
    #[token("evolve")]
    Evolve,
    #[token("then")]
    Then,
    #[token("periodic")]
    Periodic,
    #[token("domain")]
    Domain,
    #[token("part")]
    Part,
    #[token("integral")]
    Integral,
    #[token("network")]
    Network,
    #[token("as")]
    As,

    #[regex(r"[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?", |lex| lex.slice().to_string())]
    Number(String),
    #[regex(r#""([^"\\\n]|\\.)*""#, string_body)]
    Str(String),
    #[regex(r#""([^"\\\n]|\\.)*"#, unterminated_string)]
    UnterminatedStr,
    #[regex(r"[\p{L}_][\p{L}\p{Nd}_]*", |lex| lex.slice().to_string())]
    #[regex(r"∂[\p{L}]+", partial)]
    #[token("∇²", |_| "lap".to_string())]
    #[token("∇", |_| "grad".to_string())]
    Ident(String),

    #[token("+")]
    Plus,
    #[token("-")]
    #[token("−")]
    Minus,
    #[token("*")]
    #[token("·")]
    Star,
    #[token("/")]
    Slash,
    #[token("^")]
    Caret,
    #[token("²")]
    Squared,
    #[token("³")]
    Cubed,
    #[token("=")]
    Eq,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token(";")]
    Semi,
    #[token(".")]
    Dot,
    #[token("~")]
    Tilde,

    #[regex(r"//[^\n]*")]
    LineComment,
    #[token("/*", block_comment)]
    BlockComment,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Number(n) => write!(f, "number `{n}`"),
            Token::Str(s) => write!(f, "string {s:?}"),
            Token::Ident(s) => write!(f, "name `{s}`"),
            other => write!(f, "`{}`", token_text(other)),
        }
    }
}

/// The spelling of fixed tokens, used in "expected one of" lists and by the formatter.
pub fn token_text(token: &Token) -> &'static str {
    use Token::*;
    match token {
        Model => "model",
        Space => "space",
        Time => "time",
        Const => "const",
        Param => "param",
        Field => "field",
        Let => "let",
        Fn => "fn",
        Pde => "pde",
        Ode => "ode",
        Initial => "initial",
        Boundary => "boundary",
        Constraint => "constraint",
        Data => "data",
        At => "at",
        On => "on",
        In => "in",
        From => "from",
        Use => "use",
        Train => "train",
        Simulate => "simulate",
        Discover => "discover",
        Evolve => "evolve",
        Then => "then",
        Periodic => "periodic",
        Domain => "domain",
        Part => "part",
        Integral => "integral",
        Network => "network",
        As => "as",
        Plus => "+",
        Minus => "-",
        Star => "*",
        Slash => "/",
        Caret => "^",
        Squared => "²",
        Cubed => "³",
        Eq => "=",
        LParen => "(",
        RParen => ")",
        LBracket => "[",
        RBracket => "]",
        LBrace => "{",
        RBrace => "}",
        Comma => ",",
        Colon => ":",
        Semi => ";",
        Dot => ".",
        Tilde => "~",
        Number(_) => "number",
        Str(_) | UnterminatedStr => "string",
        Ident(_) => "name",
        LineComment | BlockComment => "comment",
    }
}

/// A comment with its byte range, kept for the formatter.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// A lexical error with its byte range.
#[derive(Debug, Clone, PartialEq)]
pub struct LexProblem {
    pub start: usize,
    pub end: usize,
    pub error: LexError,
}

/// Everything the lexer produced: tokens for the parser, comments for the formatter, and
/// the errors, which are reported but never stop the parse (the bad text is skipped).
#[derive(Debug, Default)]
pub struct Lexed {
    pub tokens: Vec<(usize, Token, usize)>,
    pub comments: Vec<Comment>,
    pub problems: Vec<LexProblem>,
}

pub fn lex(text: &str) -> Lexed {
    let mut out = Lexed::default();
    let mut lexer = Token::lexer(text);
    while let Some(result) = lexer.next() {
        let span = lexer.span();
        match result {
            Ok(Token::LineComment) | Ok(Token::BlockComment) => out.comments.push(Comment {
                start: span.start,
                end: span.end,
                text: lexer.slice().trim_end().to_string(),
            }),
            Ok(token) => out.tokens.push((span.start, token, span.end)),
            Err(error) => {
                // An unterminated string is still a string: parsing goes on as if it were
                // closed at the end of the line, so it causes one error, not a cascade.
                if error == LexError::UnterminatedString {
                    let body = unescape(&lexer.slice()[1..]);
                    out.tokens.push((span.start, Token::Str(body), span.end));
                }
                out.problems.push(LexProblem {
                    start: span.start,
                    end: span.end,
                    error,
                })
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Token> {
        lex(text).tokens.into_iter().map(|(_, t, _)| t).collect()
    }

    #[test]
    fn numbers_keep_their_spelling() {
        assert_eq!(
            kinds("1e-3 2.5 10"),
            vec![
                Token::Number("1e-3".into()),
                Token::Number("2.5".into()),
                Token::Number("10".into())
            ]
        );
    }

    #[test]
    fn unicode_sugar_is_normalised() {
        assert_eq!(
            kinds("∂t(u) ∇²u π·ν x²"),
            vec![
                Token::Ident("dt".into()),
                Token::LParen,
                Token::Ident("u".into()),
                Token::RParen,
                Token::Ident("lap".into()),
                Token::Ident("u".into()),
                Token::Ident("π".into()),
                Token::Star,
                Token::Ident("ν".into()),
                Token::Ident("x".into()),
                Token::Squared,
            ]
        );
    }

    #[test]
    fn comments_are_kept_aside() {
        let lexed = lex("a // note\n/* block */ b");
        assert_eq!(lexed.tokens.len(), 2);
        assert_eq!(lexed.comments.len(), 2);
        assert_eq!(lexed.comments[0].text, "// note");
    }

    #[test]
    fn errors_do_not_stop_lexing() {
        let lexed = lex("a $ b \"open");
        assert_eq!(
            lexed.tokens.len(),
            3,
            "the open string still counts as a string"
        );
        assert_eq!(lexed.problems.len(), 2);
        assert_eq!(lexed.problems[1].error, LexError::UnterminatedString);
    }

    #[test]
    fn unterminated_block_comment_is_an_error() {
        let lexed = lex("a /* never closed");
        assert_eq!(lexed.problems[0].error, LexError::UnterminatedComment);
    }
}
