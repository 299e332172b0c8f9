//! The canonical formatter behind `physc fmt`: one declaration per line, two-space
//! indentation, single spaces around binary operators, the fewest parentheses that keep
//! the parse, numbers spelled as written. Comments and blank lines between declarations are
//! kept. Formatting never changes meaning: reparsing the output gives the same AST.

use super::ast::*;
use super::lexer::Comment;
use crate::source::Span;

pub fn format_file(file: &File, comments: &[Comment], text: &str) -> String {
    let mut printer = Printer {
        out: String::new(),
        comments,
        next_comment: 0,
        text,
    };
    let mut previous: Option<&Item> = None;
    for (i, item) in file.items.iter().enumerate() {
        if let Some(prev) = previous {
            let related = matches!(
                (prev, item),
                (Item::Use(_), Item::Use(_)) | (Item::Const(_), Item::Const(_))
            );
            if !related || printer.blank_line_between(prev.span(), item.span()) {
                printer.out.push('\n');
            }
        }
        printer.item(item, file.items.get(i + 1).map(Item::span));
        previous = Some(item);
    }
    printer.comments_before(usize::MAX, 0);
    printer.out
}

struct Printer<'a> {
    out: String,
    comments: &'a [Comment],
    next_comment: usize,
    text: &'a str,
}

impl Printer<'_> {
    /// Whether the source has an empty line between two nodes, before any comment line
    /// (blank lines after a comment are the comment's to keep).
    fn blank_line_between(&self, a: Span, b: Span) -> bool {
        let between = self
            .text
            .get(a.end as usize..b.start as usize)
            .unwrap_or("");
        let lines: Vec<&str> = between.split('\n').collect();
        if lines.len() < 3 {
            return false;
        }
        for line in &lines[1..lines.len() - 1] {
            let line = line.trim();
            if line.is_empty() {
                return true;
            }
            if line.starts_with("//") || line.starts_with("/*") {
                return false;
            }
        }
        false
    }

    fn comments_before(&mut self, position: usize, indent: usize) {
        while let Some(c) = self.comments.get(self.next_comment) {
            if c.start >= position {
                break;
            }
            self.line(indent, &c.text);
            self.next_comment += 1;
            // A blank line after a comment (a file's header, say) stays.
            let next = self
                .comments
                .get(self.next_comment)
                .map_or(position, |n| n.start.min(position));
            let gap = self
                .text
                .get(c.end..next.min(self.text.len()))
                .unwrap_or("");
            if next != usize::MAX && gap.matches('\n').count() >= 2 && gap.trim().is_empty() {
                self.out.push('\n');
            }
        }
    }

    /// A comment on the same line as `end`, before the next declaration starts, belongs at
    /// the end of that line.
    fn trailing_comment(&mut self, end: Span, next: Option<Span>) {
        if let Some(c) = self.comments.get(self.next_comment) {
            let gap = self.text.get(end.end as usize..c.start).unwrap_or("\n");
            let before_next = next.is_none_or(|n| c.start < n.start as usize);
            if c.start >= end.end as usize && !gap.contains('\n') && before_next {
                if self.out.ends_with('\n') {
                    self.out.pop();
                }
                self.out.push_str("  ");
                self.out.push_str(&c.text);
                self.out.push('\n');
                self.next_comment += 1;
            }
        }
    }

    fn line(&mut self, indent: usize, text: &str) {
        for _ in 0..indent {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn item(&mut self, item: &Item, next: Option<Span>) {
        let span = item.span();
        self.comments_before(span.start as usize, 0);
        match item {
            Item::Use(u) => {
                let mut target = match &u.target {
                    UseTarget::Module(path) => join_names(path, "."),
                    UseTarget::File { path, item, .. } => match item {
                        Some(item) => format!("{}.{}", quote(path), item.name),
                        None => quote(path),
                    },
                };
                if let Some(alias) = &u.alias {
                    target = format!("{target} as {}", alias.name);
                }
                self.line(0, &format!("use {target}"));
            }
            Item::Const(c) => self.line(0, &format!("const {}", const_decl(c))),
            Item::Fn(f) => self.line(0, &fn_decl(f)),
            Item::Model(m) => self.model(m),
            Item::Job(j) => self.job(j),
            Item::Network(n) => self.network(n),
            // Unparseable text is kept verbatim so formatting a broken file loses nothing.
            Item::Error(span) => {
                let raw = self.text.get(span.range()).unwrap_or("").to_string();
                self.line(0, raw.trim());
            }
        }
        self.trailing_comment(span, next);
    }

    fn model(&mut self, model: &ModelDecl) {
        self.line(0, &format!("model {} {{", model.name.name));
        let lines: Vec<(Span, String)> = model
            .members
            .iter()
            .map(|member| {
                let text = match member {
                    Member::Error(span) => {
                        self.text.get(span.range()).unwrap_or("").trim().to_string()
                    }
                    other => member_text(other),
                };
                (member.span(), text)
            })
            .collect();
        self.block(&lines, model.span);
        self.line(0, "}");
    }

    fn network(&mut self, network: &NetworkDecl) {
        let params: Vec<String> = network
            .params
            .iter()
            .map(|p| format!("{}: {}", p.name.name, expr(&p.default)))
            .collect();
        self.line(
            0,
            &format!("network {}({}) {{", network.name.name, params.join(", ")),
        );
        self.layers(&network.layers, 1, network.span);
        self.line(0, "}");
    }

    /// A network body's layers at `indent`, blocks nested one level deeper, comments kept.
    fn layers(&mut self, layers: &[Layer], indent: usize, block: Span) {
        for (i, layer) in layers.iter().enumerate() {
            if i > 0 && self.blank_line_between(layers[i - 1].span, layer.span) {
                self.out.push('\n');
            }
            self.comments_before(layer.span.start as usize, indent);
            let next = layers.get(i + 1).map(|l| l.span);
            match &layer.body {
                None => {
                    let line = format!("{}({})", layer.kind.name, args_text(&layer.args));
                    self.line(indent, &line);
                }
                Some(body) => {
                    let count = layer.count_suffix(expr);
                    self.line(indent, &format!("{}{count} {{", layer.kind.name));
                    self.layers(body, indent + 1, layer.span);
                    self.line(indent, "}");
                }
            }
            self.trailing_comment(layer.span, next);
        }
        self.comments_before(block.end as usize, indent);
    }

    fn job(&mut self, job: &JobDecl) {
        self.line(0, &format!("{} {} {{", job.kind.keyword(), job.target.name));
        let lines: Vec<(Span, String)> = job
            .settings
            .iter()
            .map(|setting| {
                let stages: Vec<_> = setting.stages.iter().map(setting_value).collect();
                (
                    setting.span,
                    format!("{} {}", setting.key.name, stages.join(" then ")),
                )
            })
            .collect();
        self.block(&lines, job.span);
        self.line(0, "}");
    }

    /// The lines of a block, keywords aligned within each paragraph (lines not separated by
    /// a blank line), with comments and paragraph breaks kept.
    fn block(&mut self, lines: &[(Span, String)], block: Span) {
        let mut breaks = vec![false; lines.len()];
        for i in 1..lines.len() {
            breaks[i] = self.blank_line_between(lines[i - 1].0, lines[i].0);
        }
        let mut widths = vec![0; lines.len()];
        let mut start = 0;
        for end in 1..=lines.len() {
            if end == lines.len() || breaks[end] {
                let width = lines[start..end]
                    .iter()
                    .map(|(_, l)| keyword_len(l))
                    .max()
                    .unwrap_or(0);
                widths[start..end].iter_mut().for_each(|w| *w = width);
                start = end;
            }
        }
        for (i, (span, text)) in lines.iter().enumerate() {
            if breaks[i] {
                self.out.push('\n');
            }
            self.comments_before(span.start as usize, 1);
            self.line(1, &align_keyword(text, widths[i]));
            self.trailing_comment(*span, lines.get(i + 1).map(|(s, _)| *s));
        }
        self.comments_before(block.end as usize, 1);
    }
}

fn keyword_len(line: &str) -> usize {
    line.find(' ').unwrap_or(line.len())
}

fn align_keyword(line: &str, width: usize) -> String {
    match line.split_once(' ') {
        Some((keyword, rest)) => format!("{keyword:width$} {rest}"),
        None => line.to_string(),
    }
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn join_names(idents: &[Ident], sep: &str) -> String {
    idents
        .iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(sep)
}

fn units(units: &Option<Expr>) -> String {
    units
        .as_ref()
        .map(|u| format!(" [{}]", expr(u)))
        .unwrap_or_default()
}

fn const_decl(c: &ConstDecl) -> String {
    format!("{} = {}{}", c.name.name, expr(&c.value), units(&c.units))
}

fn fn_decl(f: &FnDecl) -> String {
    format!(
        "fn {}({}) = {}",
        f.name.name,
        join_names(&f.params, ", "),
        expr(&f.body)
    )
}

fn member_text(member: &Member) -> String {
    match member {
        Member::Space(v) => format!(
            "space {} in {}{}",
            v.name.name,
            expr(&v.interval),
            units(&v.units)
        ),
        Member::Time(v) => format!(
            "time {} in {}{}",
            v.name.name,
            expr(&v.interval),
            units(&v.units)
        ),
        Member::Const(c) => format!("const {}", const_decl(c)),
        Member::Param(p) => format!(
            "param {} ~ {}{}{}",
            p.name.name,
            expr(&p.guess),
            units(&p.units),
            p.bounds
                .as_ref()
                .map(|b| format!(" in {}", expr(b)))
                .unwrap_or_default()
        ),
        Member::Field(f) => format!(
            "field {}({}){}{}",
            f.name.name,
            join_names(&f.inputs, ", "),
            f.shape
                .as_ref()
                .map(|s| format!(": {}", s.name))
                .unwrap_or_default(),
            units(&f.units)
        ),
        Member::Let(l) => format!("let {} = {}", l.name.name, expr(&l.value)),
        Member::Fn(f) => fn_decl(f),
        Member::Equation(e) => format!(
            "{} {} = {}{}",
            e.kind.keyword(),
            expr(&e.lhs),
            expr(&e.rhs),
            location(&e.location)
        ),
        Member::Integral(i) => format!(
            "integral {} = {}{}",
            i.name.name,
            expr(&i.integrand),
            location(&i.location)
        ),
        Member::Periodic(p) => {
            if p.fields.is_empty() {
                format!("boundary periodic in {}", p.var.name)
            } else {
                format!(
                    "boundary periodic {} in {}",
                    join_names(&p.fields, ", "),
                    p.var.name
                )
            }
        }
        Member::Data(d) => format!(
            "data {} from {}",
            join_names(&d.fields, ", "),
            quote(&d.path)
        ),
        Member::Domain(d) => format!("domain = {}", expr(&d.shape)),
        Member::Part(p) => format!("part {} = {}", p.name.name, expr(&p.shape)),
        Member::Error(_) => String::new(),
    }
}

fn location(location: &Option<Location>) -> String {
    match location {
        None => String::new(),
        Some(Location::At { var, value, .. }) => format!(" at {} = {}", var.name, expr(value)),
        Some(Location::OnBoundary(_)) => " on boundary".into(),
        Some(Location::OnPart { part, .. }) => format!(" on {}", part.name),
    }
}

fn setting_value(value: &SettingValue) -> String {
    match value {
        SettingValue::Expr(e) => expr(e),
        SettingValue::Record(args, _) => args_text(args),
    }
}

fn args_text(args: &[Arg]) -> String {
    let mut out = String::new();
    write_args(&mut out, args);
    out
}

fn write_args(out: &mut String, args: &[Arg]) {
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if let Some(n) = &a.name {
            out.push_str(&n.name);
            out.push_str(": ");
        }
        write_expr(out, &a.value);
    }
}

/// Binding strength, loosest first; an operand is parenthesised when it binds more loosely
/// than its position requires.
fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary { op, .. } => match op {
            BinOp::Add | BinOp::Sub => 1,
            BinOp::Mul | BinOp::Div => 2,
            BinOp::Pow => 4,
        },
        ExprKind::Neg(_) => 3,
        _ => 5,
    }
}

fn write_operand(out: &mut String, e: &Expr, min: u8) {
    if precedence(e) < min {
        out.push('(');
        write_expr(out, e);
        out.push(')');
    } else {
        write_expr(out, e);
    }
}

/// An expression in canonical source form.
pub fn expr(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, e);
    out
}

/// Appends to one buffer: returning a string per node copied a long sum's text once per
/// term.
fn write_expr(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Number { text, .. } => out.push_str(text),
        ExprKind::Str(s) => out.push_str(&quote(s)),
        ExprKind::Name(n) => out.push_str(n),
        ExprKind::Neg(inner) => {
            out.push('-');
            write_operand(out, inner, 3);
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let p = precedence(e);
            match op {
                BinOp::Pow => {
                    write_operand(out, lhs, 5);
                    out.push('^');
                    write_operand(out, rhs, 3);
                }
                _ => {
                    write_operand(out, lhs, p);
                    out.push(' ');
                    out.push_str(op.symbol());
                    out.push(' ');
                    write_operand(out, rhs, p + 1);
                }
            }
        }
        ExprKind::Call { callee, args } => {
            out.push_str(&callee.name);
            out.push('(');
            write_args(out, args);
            out.push(')');
        }
        ExprKind::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, item);
            }
            out.push(']');
        }
        ExprKind::Member { base, member } => {
            write_operand(out, base, 5);
            out.push('.');
            out.push_str(&member.name);
        }
        ExprKind::QualifiedCall { base, callee, args } => {
            write_operand(out, base, 5);
            out.push('.');
            out.push_str(&callee.name);
            out.push('(');
            write_args(out, args);
            out.push(')');
        }
    }
}
