//! A span-free, fully parenthesised rendering of the AST. It shows exactly how the parser
//! grouped the text (`-x^2` is `(neg (^ x 2))`), which is what AST snapshots and the
//! formatter's round-trip test compare.

use super::ast::*;
use std::fmt::Write;

pub fn file(file: &File) -> String {
    let mut out = String::new();
    for item in &file.items {
        item_into(&mut out, item);
    }
    out
}

fn item_into(out: &mut String, item: &Item) {
    match item {
        Item::Use(u) => match &u.alias {
            Some(alias) => {
                let _ = writeln!(out, "(use {} as {})", use_target(&u.target), alias.name);
            }
            None => {
                let _ = writeln!(out, "(use {})", use_target(&u.target));
            }
        },
        Item::Const(c) => {
            let _ = writeln!(out, "{}", const_decl(c));
        }
        Item::Fn(f) => {
            let _ = writeln!(out, "{}", fn_decl(f));
        }
        Item::Model(m) => {
            let _ = writeln!(out, "(model {}", m.name.name);
            for member in &m.members {
                let _ = writeln!(out, "  {}", member_sexpr(member));
            }
            out.push_str(")\n");
        }
        Item::Job(j) => {
            let _ = writeln!(out, "({} {}", j.kind.keyword(), j.target.name);
            for s in &j.settings {
                let stages: Vec<_> = s.stages.iter().map(setting_value).collect();
                let _ = writeln!(out, "  ({} {})", s.key.name, stages.join(" then "));
            }
            out.push_str(")\n");
        }
        Item::Network(n) => {
            let params: Vec<String> = n
                .params
                .iter()
                .map(|p| format!("({} {})", p.name.name, expr(&p.default)))
                .collect();
            let _ = writeln!(out, "(network {} ({})", n.name.name, params.join(" "));
            layers_into(out, &n.layers, 1);
            out.push_str(")\n");
        }
        Item::Error(_) => out.push_str("(error)\n"),
    }
}

fn layers_into(out: &mut String, layers: &[Layer], indent: usize) {
    for layer in layers {
        let pad = "  ".repeat(indent);
        match &layer.body {
            None => {
                let _ = writeln!(
                    out,
                    "{pad}({} {})",
                    layer.kind.name,
                    args_sexpr(&layer.args)
                );
            }
            Some(body) => {
                let count = layer.count_suffix(expr);
                let _ = writeln!(out, "{pad}({}{count}", layer.kind.name);
                layers_into(out, body, indent + 1);
                let _ = writeln!(out, "{pad})");
            }
        }
    }
}

fn use_target(target: &UseTarget) -> String {
    match target {
        UseTarget::Module(path) => names(path, "."),
        UseTarget::File { path, item, .. } => match item {
            Some(item) => format!("{path:?}.{}", item.name),
            None => format!("{path:?}"),
        },
    }
}

fn names(idents: &[Ident], sep: &str) -> String {
    idents
        .iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(sep)
}

fn units(units: &Option<Expr>) -> String {
    units
        .as_ref()
        .map(|u| format!(" (units {})", expr(u)))
        .unwrap_or_default()
}

fn const_decl(c: &ConstDecl) -> String {
    format!(
        "(const {} {}{})",
        c.name.name,
        expr(&c.value),
        units(&c.units)
    )
}

fn fn_decl(f: &FnDecl) -> String {
    format!(
        "(fn {} ({}) {})",
        f.name.name,
        names(&f.params, " "),
        expr(&f.body)
    )
}

fn member_sexpr(member: &Member) -> String {
    match member {
        Member::Space(v) => format!(
            "(space {} {}{})",
            v.name.name,
            expr(&v.interval),
            units(&v.units)
        ),
        Member::Time(v) => format!(
            "(time {} {}{})",
            v.name.name,
            expr(&v.interval),
            units(&v.units)
        ),
        Member::Const(c) => const_decl(c),
        Member::Param(p) => format!(
            "(param {} {}{}{})",
            p.name.name,
            expr(&p.guess),
            units(&p.units),
            p.bounds
                .as_ref()
                .map(|b| format!(" (in {})", expr(b)))
                .unwrap_or_default()
        ),
        Member::Field(f) => format!(
            "(field {} ({}){}{})",
            f.name.name,
            names(&f.inputs, " "),
            f.shape
                .as_ref()
                .map(|s| format!(" (shape {})", s.name))
                .unwrap_or_default(),
            units(&f.units)
        ),
        Member::Let(l) => format!("(let {} {})", l.name.name, expr(&l.value)),
        Member::Fn(f) => fn_decl(f),
        Member::Equation(e) => format!(
            "({} (= {} {}){})",
            e.kind.keyword(),
            expr(&e.lhs),
            expr(&e.rhs),
            location(&e.location)
        ),
        Member::Periodic(p) => format!("(periodic ({}) {})", names(&p.fields, " "), p.var.name),
        Member::Data(d) => format!("(data ({}) {:?})", names(&d.fields, " "), d.path),
        Member::Domain(d) => format!("(domain {})", expr(&d.shape)),
        Member::Part(p) => format!("(part {} {})", p.name.name, expr(&p.shape)),
        Member::Integral(i) => format!(
            "(integral {} {}{})",
            i.name.name,
            expr(&i.integrand),
            location(&i.location)
        ),
        Member::Error(_) => "(error)".into(),
    }
}

fn location(location: &Option<Location>) -> String {
    match location {
        None => String::new(),
        Some(Location::At { var, value, .. }) => format!(" (at {} {})", var.name, expr(value)),
        Some(Location::OnBoundary(_)) => " (on boundary)".into(),
        Some(Location::OnPart { part, .. }) => format!(" (on {})", part.name),
    }
}

fn setting_value(value: &SettingValue) -> String {
    match value {
        SettingValue::Expr(e) => expr(e),
        SettingValue::Record(args, _) => format!("(record {})", args_sexpr(args)),
    }
}

fn args_sexpr(args: &[Arg]) -> String {
    let mut out = String::new();
    write_args(&mut out, args);
    out
}

fn write_args(out: &mut String, args: &[Arg]) {
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if let Some(n) = &a.name {
            out.push_str(&n.name);
            out.push_str(": ");
        }
        write_expr(out, &a.value);
    }
}

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
        ExprKind::Str(s) => out.push_str(&format!("{s:?}")),
        ExprKind::Name(n) => out.push_str(n),
        ExprKind::Neg(inner) => {
            out.push_str("(neg ");
            write_expr(out, inner);
            out.push(')');
        }
        ExprKind::Binary { op, lhs, rhs } => {
            out.push('(');
            out.push_str(op.symbol());
            out.push(' ');
            write_expr(out, lhs);
            out.push(' ');
            write_expr(out, rhs);
            out.push(')');
        }
        ExprKind::Call { callee, args } => {
            out.push('(');
            out.push_str(&callee.name);
            if !args.is_empty() {
                out.push(' ');
                write_args(out, args);
            }
            out.push(')');
        }
        ExprKind::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_expr(out, item);
            }
            out.push(']');
        }
        ExprKind::Member { base, member } => {
            out.push_str("(. ");
            write_expr(out, base);
            out.push(' ');
            out.push_str(&member.name);
            out.push(')');
        }
        ExprKind::QualifiedCall { base, callee, args } => {
            out.push_str("(. ");
            write_expr(out, base);
            out.push_str(" (");
            out.push_str(&callee.name);
            if !args.is_empty() {
                out.push(' ');
                write_args(out, args);
            }
            out.push_str("))");
        }
    }
}
