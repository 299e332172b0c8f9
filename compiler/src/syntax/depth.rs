//! The depth limit (E0008), checked twice. Before parsing, on tokens: brackets inside
//! brackets, and runs of unary minus and `^` (which the LR parser keeps on its stack until
//! they end). Stopping there keeps the parser's stack short, so error recovery, which
//! rescans that stack for every token it skips, stays linear, and a file that is nothing but
//! `((((…` is answered at once. After parsing, on the tree: operators inside operators,
//! calls, lists and `.component`, where a run of `+`/`-` (or of `*`/`/`) is one level however
//! long. A run is still a left-nested chain of binary nodes, whose length the later stages
//! recurse over, so its length has a limit of its own, [`MAX_CHAIN`].

use super::ast::{self, BinOp, Expr, ExprKind};
use super::lexer::Token;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// Deeper expressions are rejected so every later stage can recurse over trees safely.
pub const MAX_DEPTH: usize = 400;

/// The most operations in one run of `+`/`-` or `*`/`/` (a sum of this many terms), and
/// along any path through an expression. Every stage after parsing recurses down the
/// left-nested chain a run makes; this many levels fit the stack the `physc` binary runs on
/// (256 MiB) in every stage with room to spare, and an expression this long is past the
/// checker's node budget (200 000 operations) anyway.
pub const MAX_CHAIN: usize = 100_000;

/// E0008 for tokens nested deeper than [`MAX_DEPTH`], found in one pass before parsing.
pub(super) fn tokens_too_deep(
    file: FileId,
    tokens: &[(usize, Token, usize)],
) -> Option<Diagnostic> {
    // Per enclosing bracket: its index in `tokens` and the run pending outside it.
    let mut brackets: Vec<(usize, usize)> = Vec::new();
    // Brackets open plus unary minus and `^` pending at every level.
    let mut depth = 0usize;
    // Unary minus and `^` pending at the innermost level: they end with the operand.
    let mut run = 0usize;
    // Whether the previous token ends an operand (so a `-` after it is binary).
    let mut after_operand = false;
    for (i, (l, token, _)) in tokens.iter().enumerate() {
        match token {
            Token::LParen | Token::LBracket => {
                brackets.push((i, run));
                depth += 1;
                run = 0;
                after_operand = false;
            }
            Token::RParen | Token::RBracket => {
                depth -= run;
                run = match brackets.pop() {
                    Some((_, outer)) => {
                        depth -= 1;
                        outer
                    }
                    None => 0,
                };
                after_operand = true;
            }
            Token::Minus if !after_operand => {
                depth += 1;
                run += 1;
            }
            Token::Caret => {
                depth += 1;
                run += 1;
                after_operand = false;
            }
            Token::Ident(_) | Token::Number(_) | Token::Str(_) | Token::Squared | Token::Cubed => {
                after_operand = true;
            }
            Token::Dot => after_operand = false,
            // Binary operators, separators and keywords end the operand a run applies to.
            _ => {
                depth -= run;
                run = 0;
                after_operand = false;
            }
        }
        if depth > MAX_DEPTH {
            let open: Vec<usize> = brackets.iter().map(|&(i, _)| i).collect();
            return Some(too_deep_here(file, tokens, *l, &open));
        }
    }
    None
}

/// E0008 at the token at `at`; `open` are the brackets open there (indices into `tokens`).
/// When some of them are never closed, that is likely the real mistake, and the help says so.
fn too_deep_here(
    file: FileId,
    tokens: &[(usize, Token, usize)],
    at: usize,
    open: &[usize],
) -> Diagnostic {
    // Match the rest of the file's brackets against the ones open here.
    let mut stack = open.to_vec();
    let first = open.last().map_or(0, |&i| i + 1);
    let mut closed = 0;
    for (i, (_, token, _)) in tokens.iter().enumerate().skip(first) {
        match token {
            Token::LParen | Token::LBracket => stack.push(i),
            Token::RParen | Token::RBracket => {
                if let Some(j) = stack.pop() {
                    if open.binary_search(&j).is_ok() {
                        closed += 1;
                    }
                }
            }
            _ => {}
        }
    }
    let unclosed = open.len() - closed;
    let d = Diagnostic::new(
        Code::NestedTooDeeply,
        Span::new(file, at..at + 1),
        format!("this expression is nested more than {MAX_DEPTH} levels deep"),
        "too deep",
    );
    if unclosed == 0 {
        return d.with_help("split it with `let` definitions");
    }
    let first_unclosed = tokens[open[0]].0;
    d.with_label(
        Span::new(file, first_unclosed..first_unclosed + 1),
        "the brackets from here on",
    )
    .with_help(format!(
        "{unclosed} of the brackets open here are never closed: add the missing `)` or `]`"
    ))
}

/// E0008 for the first expression nested deeper than [`MAX_DEPTH`], or with a run longer
/// than [`MAX_CHAIN`], found without recursion.
pub(super) fn tree_too_deep(file: &ast::File) -> Option<Diagnostic> {
    let mut roots: Vec<&Expr> = Vec::new();
    for item in &file.items {
        visit_item_exprs(item, &mut |e| roots.push(e));
    }
    exprs_too_deep(roots)
}

/// [`tree_too_deep`] for these expressions.
pub(super) fn exprs_too_deep(roots: Vec<&Expr>) -> Option<Diagnostic> {
    // (expression, nesting level, operations from the root)
    let mut stack: Vec<(&Expr, usize, usize)> = roots.into_iter().map(|e| (e, 1, 1)).collect();
    while let Some((e, depth, length)) = stack.pop() {
        let at = Span {
            end: e.span.start + 1,
            ..e.span
        };
        if depth > MAX_DEPTH {
            return Some(
                Diagnostic::new(
                    Code::NestedTooDeeply,
                    at,
                    format!("this expression is nested more than {MAX_DEPTH} levels deep"),
                    "too deep",
                )
                .with_help("split it with `let` definitions"),
            );
        }
        if length > MAX_CHAIN {
            return Some(
                Diagnostic::new(
                    Code::NestedTooDeeply,
                    at,
                    format!("this expression is more than {MAX_CHAIN} operations long"),
                    "too long",
                )
                .with_help(
                    "split it with `let` definitions: a sum of a few `let`s of shorter sums",
                ),
            );
        }
        match &e.kind {
            ExprKind::Neg(a) | ExprKind::Member { base: a, .. } => {
                stack.push((a, depth + 1, length + 1))
            }
            ExprKind::Binary { op, lhs, rhs } => {
                // `a + b - c` is one level: the left operand continues the run.
                let continues = matches!(&lhs.kind, ExprKind::Binary { op: inner, .. } if run_of(*inner).is_some() && run_of(*inner) == run_of(*op));
                let lhs_depth = if continues { depth } else { depth + 1 };
                stack.push((lhs, lhs_depth, length + 1));
                stack.push((rhs, depth + 1, length + 1));
            }
            ExprKind::Call { args, .. } => {
                stack.extend(args.iter().map(|a| (&a.value, depth + 1, length + 1)))
            }
            ExprKind::List(items) => stack.extend(items.iter().map(|i| (i, depth + 1, length + 1))),
            _ => {}
        }
    }
    None
}

/// Which run an operator belongs to: `+` with `-`, `*` with `/`; `^` makes none.
fn run_of(op: BinOp) -> Option<u8> {
    match op {
        BinOp::Add | BinOp::Sub => Some(0),
        BinOp::Mul | BinOp::Div => Some(1),
        BinOp::Pow => None,
    }
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
