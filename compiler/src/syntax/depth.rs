//! The limits on expressions (E0008), checked twice. Before parsing, on tokens: brackets
//! inside brackets, runs of unary minus and `^` (which the LR parser keeps on its stack until
//! they end), and the number of operators in one expression. Stopping there keeps the
//! parser's stack short, so error recovery, which rescans that stack for every token it
//! skips, stays linear; a file that is nothing but `((((…` is answered at once; and no tree
//! longer than the limit is ever built, or dropped (dropping a tree recurses). After
//! parsing, on the tree: operators inside operators, calls, lists and `.component`, where a
//! run of `+`/`-` (or of `*`/`/`) is one level however long.

use super::ast::{self, BinOp, Expr, ExprKind};
use super::lexer::Token;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// Deeper expressions are rejected so every later stage can recurse over trees safely.
pub const MAX_DEPTH: usize = 400;

/// The most operators in one expression (a sum of this many terms). A run of `+` is one
/// level deep but a left-nested chain as long as the run, which every stage after parsing
/// recurses down: 99,000-term sums go through every stage of `physc show` with at most about
/// 96 MiB of the 256 MiB stack the `physc` binary runs on, and an expression this long is
/// past the checker's node budget (200 000 operations) anyway.
pub const MAX_CHAIN: usize = 100_000;

/// E0008 for tokens nested deeper than [`MAX_DEPTH`], or for an expression with more than
/// [`MAX_CHAIN`] operators, found in one pass before parsing.
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
    // Operators since the expression began: since the last token outside every bracket
    // that cannot be part of an expression (`=`, `,`, a keyword, …).
    let mut operators = 0usize;
    for (i, (l, token, _)) in tokens.iter().enumerate() {
        let operator = matches!(
            token,
            Token::Plus
                | Token::Minus
                | Token::Star
                | Token::Slash
                | Token::Caret
                | Token::Dot
                | Token::Squared
                | Token::Cubed
        );
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
                if !operator && brackets.is_empty() {
                    operators = 0;
                }
            }
        }
        operators += usize::from(operator);
        if depth > MAX_DEPTH {
            let open: Vec<usize> = brackets.iter().map(|&(i, _)| i).collect();
            let d = Diagnostic::new(
                Code::NestedTooDeeply,
                Span::new(file, *l..*l + 1),
                format!("this expression is nested more than {MAX_DEPTH} levels deep"),
                "too deep",
            );
            return Some(with_unclosed(d, file, tokens, &open));
        }
        if operators > MAX_CHAIN {
            let open: Vec<usize> = brackets.iter().map(|&(i, _)| i).collect();
            let d = Diagnostic::new(
                Code::NestedTooDeeply,
                Span::new(file, *l..*l + 1),
                format!("this expression has more than {MAX_CHAIN} operators"),
                "too long",
            );
            return Some(with_unclosed(d, file, tokens, &open));
        }
    }
    None
}

/// `d` with the help that fits: when some of `open` (the brackets open where the limit was
/// crossed, indices into `tokens`) are never closed, that is likely the real mistake.
fn with_unclosed(
    d: Diagnostic,
    file: FileId,
    tokens: &[(usize, Token, usize)],
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

/// E0008 for the first expression nested deeper than [`MAX_DEPTH`], found without
/// recursion.
pub(super) fn tree_too_deep(file: &ast::File) -> Option<Diagnostic> {
    let mut roots: Vec<&Expr> = Vec::new();
    for item in &file.items {
        visit_item_exprs(item, &mut |e| roots.push(e));
    }
    exprs_too_deep(roots)
}

/// [`tree_too_deep`] for these expressions.
pub(super) fn exprs_too_deep(roots: Vec<&Expr>) -> Option<Diagnostic> {
    let mut stack: Vec<(&Expr, usize)> = roots.into_iter().map(|e| (e, 1)).collect();
    while let Some((e, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Some(
                Diagnostic::new(
                    Code::NestedTooDeeply,
                    Span {
                        end: e.span.start + 1,
                        ..e.span
                    },
                    format!("this expression is nested more than {MAX_DEPTH} levels deep"),
                    "too deep",
                )
                .with_help("split it with `let` definitions"),
            );
        }
        match &e.kind {
            ExprKind::Neg(a) | ExprKind::Member { base: a, .. } => stack.push((a, depth + 1)),
            ExprKind::Binary { op, lhs, rhs } => {
                // `a + b - c` is one level: the left operand continues the run.
                let continues = matches!(&lhs.kind, ExprKind::Binary { op: inner, .. }
                    if run_of(*inner).is_some() && run_of(*inner) == run_of(*op));
                stack.push((lhs, if continues { depth } else { depth + 1 }));
                stack.push((rhs, depth + 1));
            }
            ExprKind::Call { args, .. } => stack.extend(args.iter().map(|a| (&a.value, depth + 1))),
            ExprKind::QualifiedCall { base, args, .. } => {
                stack.push((base, depth + 1));
                stack.extend(args.iter().map(|a| (&a.value, depth + 1)));
            }
            ExprKind::List(items) => stack.extend(items.iter().map(|i| (i, depth + 1))),
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
                    Member::Domain(d) => f(&d.shape),
                    Member::Part(p) => f(&p.shape),
                    Member::Integral(i) => {
                        f(&i.integrand);
                        if let Some(ast::Location::At { value, .. }) = &i.location {
                            f(value);
                        }
                    }
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
        Item::Network(n) => {
            n.params.iter().for_each(|p| f(&p.default));
            visit_layer_exprs(&n.layers, f);
        }
        Item::Use(_) | Item::Error(_) => {}
    }
}

fn visit_layer_exprs<'a>(layers: &'a [ast::Layer], f: &mut impl FnMut(&'a Expr)) {
    for layer in layers {
        layer.args.iter().for_each(|a| f(&a.value));
        layer.count.iter().for_each(&mut *f);
        if let Some(body) = &layer.body {
            visit_layer_exprs(body, f);
        }
    }
}
