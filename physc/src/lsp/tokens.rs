//! Semantic tokens: the lexer's tokens, classified for highlighting. Keywords, numbers,
//! strings, comments and operators by their token; names by what the document declares
//! them as (models, fields, constants and parameters, functions) or by use (a name before
//! `(` is a call, the first name of a line in a job block a setting, a name before `:` an
//! option). Encoded as the
//! protocol wants: five integers per token, positions relative to the previous token, in
//! UTF-16 units, one token per line (a block comment over several lines is split).

use super::complete::{enclosing_block, job_kind};
use super::convert::position;
use lsp_types as lsp;
use physc_compiler::syntax::{ast, lexer};
use std::collections::HashMap;

/// The token types, in the legend's order (the encoding refers to them by index).
pub const LEGEND: &[lsp::SemanticTokenType] = &[
    lsp::SemanticTokenType::KEYWORD,
    lsp::SemanticTokenType::NUMBER,
    lsp::SemanticTokenType::STRING,
    lsp::SemanticTokenType::COMMENT,
    lsp::SemanticTokenType::OPERATOR,
    lsp::SemanticTokenType::FUNCTION,
    lsp::SemanticTokenType::CLASS,
    lsp::SemanticTokenType::VARIABLE,
    lsp::SemanticTokenType::PARAMETER,
    lsp::SemanticTokenType::PROPERTY,
];

const KEYWORD: u32 = 0;
const NUMBER: u32 = 1;
const STRING: u32 = 2;
const COMMENT: u32 = 3;
const OPERATOR: u32 = 4;
const FUNCTION: u32 = 5;
const CLASS: u32 = 6;
const VARIABLE: u32 = 7;
const PARAMETER: u32 = 8;
const PROPERTY: u32 = 9;

pub fn legend() -> lsp::SemanticTokensLegend {
    lsp::SemanticTokensLegend {
        token_types: LEGEND.to_vec(),
        token_modifiers: Vec::new(),
    }
}

/// The tokens of `text`, whose parsed items (possibly partial) are `items`.
pub fn semantic_tokens(text: &str, items: &[ast::Item]) -> Vec<lsp::SemanticToken> {
    let declared = declared_kinds(items);
    let lexed = lexer::lex(text);
    let mut spans: Vec<(usize, usize, u32)> = lexed
        .comments
        .iter()
        .map(|c| (c.start, c.end, COMMENT))
        .collect();
    for (k, (start, token, end)) in lexed.tokens.iter().enumerate() {
        let kind = match token {
            lexer::Token::Number(_) => NUMBER,
            lexer::Token::Str(_) | lexer::Token::UnterminatedStr => STRING,
            lexer::Token::Ident(name) => {
                let next = lexed.tokens.get(k + 1).map(|t| &t.1);
                let line_start = text[..*start].rfind('\n').map_or(0, |i| i + 1);
                let first_on_line = text[line_start..*start].trim().is_empty();
                let in_job = enclosing_block(text, *start).and_then(job_kind).is_some();
                match declared.get(name.as_str()) {
                    _ if in_job && first_on_line => PROPERTY,
                    Some(&kind) => kind,
                    None if next == Some(&lexer::Token::LParen) => FUNCTION,
                    None if next == Some(&lexer::Token::Colon) => PROPERTY,
                    None => VARIABLE,
                }
            }
            other => {
                let spelling = lexer::token_text(other);
                if spelling.chars().all(|c| c.is_ascii_alphabetic()) {
                    KEYWORD
                } else if "+-*/^²³=~".contains(spelling) {
                    OPERATOR
                } else {
                    continue;
                }
            }
        };
        spans.push((*start, *end, kind));
    }
    spans.sort_by_key(|s| s.0);
    encode(text, &spans)
}

/// What each name the document declares is, for its tokens.
fn declared_kinds(items: &[ast::Item]) -> HashMap<&str, u32> {
    let mut kinds = HashMap::new();
    for item in items {
        match item {
            ast::Item::Model(m) => {
                kinds.insert(m.name.name.as_str(), CLASS);
                for member in &m.members {
                    let (name, kind) = match member {
                        ast::Member::Field(f) => (&f.name, VARIABLE),
                        ast::Member::Const(c) => (&c.name, PARAMETER),
                        ast::Member::Param(p) => (&p.name, PARAMETER),
                        ast::Member::Fn(f) => (&f.name, FUNCTION),
                        _ => continue,
                    };
                    kinds.insert(name.name.as_str(), kind);
                }
            }
            ast::Item::Const(c) => {
                kinds.insert(c.name.name.as_str(), PARAMETER);
            }
            ast::Item::Fn(f) => {
                kinds.insert(f.name.name.as_str(), FUNCTION);
            }
            _ => {}
        }
    }
    kinds
}

/// The protocol's relative encoding of (start, end, type) byte spans in order.
fn encode(text: &str, spans: &[(usize, usize, u32)]) -> Vec<lsp::SemanticToken> {
    let mut out = Vec::new();
    let (mut line, mut column) = (0, 0);
    for &(start, end, kind) in spans {
        let mut piece_start = start;
        // One token per line: split what spans several (block comments).
        for piece in text[start..end].split_inclusive('\n') {
            let piece_end = piece_start + piece.trim_end_matches('\n').len();
            let at = position(text, piece_start);
            let length: usize = text[piece_start..piece_end]
                .chars()
                .map(char::len_utf16)
                .sum();
            if length > 0 {
                let delta_line = at.line - line;
                let delta_start = if delta_line == 0 {
                    at.character - column
                } else {
                    at.character
                };
                out.push(lsp::SemanticToken {
                    delta_line,
                    delta_start,
                    length: length as u32,
                    token_type: kind,
                    token_modifiers_bitset: 0,
                });
                (line, column) = (at.line, at.character);
            }
            piece_start += piece.len();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use physc_compiler::driver;

    /// The tokens back as (line, column, length, type name).
    fn decoded(text: &str) -> Vec<(u32, u32, u32, String)> {
        let (_, parsed) = driver::parse_source("t.phys", text);
        let (mut line, mut column) = (0, 0);
        semantic_tokens(text, &parsed.ast.items)
            .into_iter()
            .map(|t| {
                if t.delta_line > 0 {
                    column = 0;
                }
                line += t.delta_line;
                column += t.delta_start;
                let kind = LEGEND[t.token_type as usize].as_str().to_string();
                (line, column, t.length, kind)
            })
            .collect()
    }

    #[test]
    fn tokens_are_classified_and_relative() {
        let text = "model M { // π\n  const k = 2\n  field u(x)\n  pde dxx(u) = k * u\n}\ntrain M {\n  optimize adam(steps: 3)\n}\n/* a\nb */";
        let tokens = decoded(text);
        let has = |line, column, kind: &str| {
            tokens
                .iter()
                .any(|t| t.0 == line && t.1 == column && t.3 == kind)
        };
        assert!(
            has(0, 0, "keyword") && has(0, 6, "class") && has(0, 10, "comment"),
            "{tokens:?}"
        );
        assert!(has(1, 8, "parameter") && has(1, 12, "number"), "{tokens:?}");
        assert!(
            has(3, 6, "function") && has(3, 10, "variable") && has(3, 13, "operator"),
            "{tokens:?}"
        );
        assert!(
            has(6, 2, "property") && has(6, 11, "function"),
            "{tokens:?}"
        );
        // The block comment is one token per line.
        assert!(has(8, 0, "comment") && has(9, 0, "comment"), "{tokens:?}");
        let comment = tokens
            .iter()
            .find(|t| t.0 == 0 && t.3 == "comment")
            .unwrap();
        assert_eq!(comment.2, 4, "`// π` is four UTF-16 units");
    }
}
