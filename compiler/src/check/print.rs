//! The semantic model printed back in `.phys` syntax (`physc show --stage model`): resolved,
//! inlined and split into components, so users see what the checker understood.

use super::model::*;
use std::fmt::Write;

pub fn model(m: &Model) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "model {} {{", m.name);
    for v in &m.variables {
        let kw = if v.kind == VarKind::Time {
            "time"
        } else {
            "space"
        };
        let units = v.dim.map(|d| format!(" [{d}]")).unwrap_or_default();
        let _ = writeln!(out, "  {kw} {} in [{}, {}]{units}", v.name, v.lo, v.hi);
    }
    for c in m.constants.iter().filter(|c| c.value.is_finite()) {
        let units = c.dim.map(|d| format!(" [{d}]")).unwrap_or_default();
        let _ = writeln!(out, "  const {} = {}{units}", c.name, c.value);
    }
    for p in &m.params {
        let bounds = p
            .bounds
            .map(|(a, b)| format!(" in [{a}, {b}]"))
            .unwrap_or_default();
        let units = p.dim.map(|d| format!(" [{d}]")).unwrap_or_default();
        let _ = writeln!(out, "  param {} ~ {}{units}{bounds}", p.name, p.guess);
    }
    for f in &m.fields {
        let inputs: Vec<&str> = f
            .inputs
            .iter()
            .map(|&v| m.variables[v].name.as_str())
            .collect();
        let shape = if f.component_names.is_empty() {
            ""
        } else {
            ": vector"
        };
        let units = f.dim.map(|d| format!(" [{d}]")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  field {}({}){shape}{units}",
            f.name,
            inputs.join(", ")
        );
    }
    if let Some(d) = &m.domain {
        // The shape itself is runtime geometry, not source: say what it is and where.
        let bounds: Vec<String> = d
            .shape
            .bounds()
            .iter()
            .map(|(lo, hi)| format!("[{lo}, {hi}]"))
            .collect();
        let parts = if d.parts.is_empty() {
            String::new()
        } else {
            format!("; parts {}", d.parts.join(", "))
        };
        let _ = writeln!(
            out,
            "  // domain: a shape of {} primitive{} within {}{parts}",
            d.shape.primitives(),
            if d.shape.primitives() == 1 { "" } else { "s" },
            bounds.join(" × ")
        );
    }
    for e in &m.equations {
        let component = e
            .component
            .as_ref()
            .map(|c| format!("  // component {c}"))
            .unwrap_or_default();
        let location = match &e.kind {
            EquationKind::Boundary {
                location,
                condition,
            } => {
                let at = match location {
                    BoundaryLocation::Side { var, value, .. } => {
                        format!("at {} = {}", m.variables[*var].name, value)
                    }
                    BoundaryLocation::Everywhere => "on boundary".into(),
                    BoundaryLocation::Part(i) => match &m.domain {
                        Some(d) => format!("on {}", d.parts[*i]),
                        None => format!("on part {i}"),
                    },
                };
                format!(" {at}  // {condition:?}")
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "  {} {} = {}{location}{component}",
            e.kind.keyword(),
            expr(m, &e.lhs),
            expr(m, &e.rhs)
        );
    }
    for h in &m.hard_constraints {
        let _ = writeln!(
            out,
            "  constraint {} = {}",
            m.field_ref_name(h.field),
            expr(m, &h.transform)
        );
    }
    for i in &m.integrals {
        let over = match i.over {
            IntegralRegion::Domain => String::new(),
            IntegralRegion::Boundary(BoundaryLocation::Part(k)) => match &m.domain {
                Some(d) => format!(" on {}", d.parts[k]),
                None => format!(" on part {k}"),
            },
            IntegralRegion::Boundary(_) => " on boundary".into(),
        };
        let _ = writeln!(
            out,
            "  integral {} = {}{over}",
            i.name,
            expr(m, &i.integrand)
        );
    }
    for p in &m.periodic {
        let fields: Vec<&str> = p
            .fields
            .iter()
            .map(|&f| m.fields[f].name.as_str())
            .collect();
        let _ = writeln!(
            out,
            "  boundary periodic {} in {}",
            fields.join(", "),
            m.variables[p.var].name
        );
    }
    for d in &m.data {
        let fields: Vec<&str> = d
            .fields
            .iter()
            .map(|&f| m.fields[f].name.as_str())
            .collect();
        let _ = writeln!(out, "  data {} from {:?}", fields.join(", "), d.written);
    }
    out.push_str("}\n");
    out
}

fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(op, ..) => match op {
            BinOp::Add | BinOp::Sub => 1,
            BinOp::Mul | BinOp::Div => 2,
            BinOp::Pow => 4,
        },
        ExprKind::Neg(_) => 3,
        ExprKind::Number(v) if *v < 0.0 => 3,
        _ => 5,
    }
}

fn write_operand(out: &mut String, m: &Model, e: &Expr, min: u8) {
    if precedence(e) < min {
        out.push('(');
        write_expr(out, m, e);
        out.push(')');
    } else {
        write_expr(out, m, e);
    }
}

pub fn number(v: f64) -> String {
    if v == std::f64::consts::PI {
        "pi".into()
    } else if v == std::f64::consts::E {
        "e".into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// An expression in `.phys` syntax, with the fewest parentheses that keep its meaning.
pub fn expr(m: &Model, e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, m, e);
    out
}

/// Appends to one buffer: returning a string per node copied a long sum's text once per
/// term.
fn write_expr(out: &mut String, m: &Model, e: &Expr) {
    match &e.kind {
        ExprKind::Number(v) => out.push_str(&number(*v)),
        ExprKind::Var(v) => out.push_str(&m.variables[*v].name),
        ExprKind::Const(c) => out.push_str(&m.constants[*c].name),
        ExprKind::Param(p) => out.push_str(&m.params[*p].name),
        ExprKind::Field(r) => out.push_str(&m.field_ref_name(*r)),
        ExprKind::Normal(i) => out.push_str(["nx", "ny", "nz"].get(*i).unwrap_or(&"n?")),
        ExprKind::Net(r) => {
            out.push_str("net(");
            out.push_str(&m.field_ref_name(*r));
            out.push(')');
        }
        ExprKind::Neg(a) => {
            out.push('-');
            write_operand(out, m, a, 3);
        }
        ExprKind::Binary(BinOp::Pow, a, b) => {
            write_operand(out, m, a, 5);
            out.push('^');
            write_operand(out, m, b, 3);
        }
        ExprKind::Binary(op, a, b) => {
            let p = precedence(e);
            write_operand(out, m, a, p);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            write_operand(out, m, b, p + 1);
        }
        ExprKind::Call(f, args) => {
            out.push_str(f.name());
            out.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, m, a);
            }
            out.push(')');
        }
        ExprKind::Derivative { expr: inner, wrt } => {
            let names: Vec<&str> = wrt.iter().map(|&v| m.variables[v].name.as_str()).collect();
            if names.iter().all(|n| n.chars().count() == 1) {
                out.push('d');
                out.push_str(&names.concat());
                out.push('(');
                write_expr(out, m, inner);
                out.push(')');
            } else {
                out.push_str("d(");
                write_expr(out, m, inner);
                out.push_str(", ");
                out.push_str(&names.join(", "));
                out.push(')');
            }
        }
    }
}
