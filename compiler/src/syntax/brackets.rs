//! Pointing syntax errors at their likely cause: the `(`, `[` or `{` that was left open, or
//! a missing `*` between two factors. Every lookup is a binary search over positions, so a
//! file with many errors and many open brackets costs n log n, not n².

use super::lexer::Token;
use crate::diagnostics::Diagnostic;
use crate::source::{FileId, Span};

/// At most this many unclosed brackets are labelled on one error; the rest are counted in a
/// note (a report with thousands of labels helps nobody and renders in quadratic time).
const MAX_BRACKET_LABELS: usize = 3;

/// Where each `(` and `[` opens and whether it is ever closed, so a syntax error can point at
/// the bracket that was left open, which is usually the real mistake.
pub(super) struct Brackets {
    /// (offset of an opening bracket, its token, offset where it is closed or None)
    opens: Vec<(usize, char, Option<usize>)>,
    /// `{` never closed before the next top-level keyword: (offset of `{`, offset of keyword),
    /// in source order.
    open_braces: Vec<(usize, usize)>,
    /// (start, end) of each token and whether it starts or ends a factor, to see what
    /// precedes an error; in source order.
    tokens: Vec<(usize, usize, Factor)>,
}

/// What a token can be in a product: the start of a factor, its end, or both (a name or a
/// number).
#[derive(Clone, Copy, PartialEq)]
enum Factor {
    Starts,
    Ends,
    Both,
    Neither,
}

impl Brackets {
    pub(super) fn new(tokens: &[(usize, Token, usize)]) -> Brackets {
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
        let tokens = tokens
            .iter()
            .map(|(l, token, r)| {
                let factor = match token {
                    Token::Ident(_) | Token::Number(_) => Factor::Both,
                    Token::LParen => Factor::Starts,
                    Token::RParen => Factor::Ends,
                    _ => Factor::Neither,
                };
                (*l, *r, factor)
            })
            .collect();
        Brackets {
            opens,
            open_braces,
            tokens,
        }
    }

    /// Point the first syntax error after each bracket that is never closed at that
    /// bracket: the missing `)` is usually the real mistake. `errors` are in source order.
    pub(super) fn annotate(&self, file: FileId, errors: &mut [Diagnostic]) {
        for d in errors.iter_mut() {
            let at = d.primary_span().start as usize;
            let brace = self
                .open_braces
                .binary_search_by_key(&at, |&(_, keyword)| keyword)
                .ok()
                .map(|i| self.open_braces[i].0);
            if let Some(open) = brace {
                d.labels.push(label(file, open, "this `{` is not closed"));
                d.help = Some("add the missing `}`".into());
            } else if self.juxtaposed(at) {
                d.help = Some("physc has no implicit multiplication: write `*` between factors, as in `0.1 * dxx(u)`".into());
            }
        }
        // Each unclosed bracket belongs to the first error after it.
        let starts: Vec<usize> = errors
            .iter()
            .map(|d| d.primary_span().start as usize)
            .collect();
        let mut unclosed: Vec<Vec<(usize, char)>> = vec![Vec::new(); errors.len()];
        for &(start, c, close) in &self.opens {
            if close.is_some() {
                continue;
            }
            let first_after = starts.partition_point(|&s| s <= start);
            if let Some(list) = unclosed.get_mut(first_after) {
                list.push((start, c));
            }
        }
        for (d, list) in errors.iter_mut().zip(unclosed) {
            let Some(&(_, innermost)) = list.last() else {
                continue;
            };
            for &(start, c) in list.iter().take(MAX_BRACKET_LABELS) {
                d.labels
                    .push(label(file, start, &format!("this `{c}` is not closed")));
            }
            if list.len() > MAX_BRACKET_LABELS {
                d.notes.push(format!(
                    "{} more brackets after these are not closed either",
                    list.len() - MAX_BRACKET_LABELS
                ));
            }
            let closer = if innermost == '(' { ')' } else { ']' };
            d.help = Some(format!("add the missing `{closer}`"));
        }
    }

    /// Whether the token at `at` starts a factor right after one ended, on the same line
    /// (`0.1 dxx(u)`, `2 x`): a missing `*`.
    fn juxtaposed(&self, at: usize) -> bool {
        let Ok(i) = self.tokens.binary_search_by_key(&at, |&(l, _, _)| l) else {
            return false;
        };
        let starts_factor = matches!(self.tokens[i].2, Factor::Starts | Factor::Both);
        let ends_factor = i > 0 && matches!(self.tokens[i - 1].2, Factor::Ends | Factor::Both);
        starts_factor && ends_factor && at - self.tokens[i - 1].1 <= 3
    }
}

fn label(file: FileId, at: usize, message: &str) -> crate::diagnostics::Label {
    crate::diagnostics::Label {
        span: Span::new(file, at..at + 1),
        message: message.to_string(),
    }
}
