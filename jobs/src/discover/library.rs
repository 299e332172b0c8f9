//! The candidate library: terms as IR over the data's variables (all monomials up to a
//! degree, sin/cos harmonics, and the user's own expressions lowered by
//! `ir::standalone`), compiled together into one JIT kernel that evaluates every term on
//! every sample. For PDE discovery the variables are the field u and its space derivatives
//! u_x, u_xx, u_xxx (written `dx(u)`, … in the discovered model; a user term names them
//! `u_x`, …), and `poly(degree)` gives the powers of u up to the degree times 1, u_x, u_xx
//! and u_xxx, as in PDE-FIND.

use super::config::LibraryItem;
use egg::{Id, Symbol};
use physc_compiler::check::settings::ScalarFunction;
use physc_compiler::codegen::kernels::{cached, KernelPlan};
use physc_compiler::ir::lang::{Builder, Math, SymbolKind, Symbols};
use physc_compiler::ir::lower::latex_name;
use physc_compiler::ir::standalone::lower_function;

/// Point-operations (samples × DAG nodes) below which a library is evaluated by the column
/// interpreter: compiling its kernel takes about as long as 2·10⁶ interpreted operations.
const COLUMN_WORK: usize = 2_000_000;

pub struct Library {
    pub builder: Builder,
    pub symbols: Symbols,
    /// The kernel inputs, in order: one per data column it is evaluated on.
    pub inputs: Vec<Symbol>,
    pub terms: Vec<Term>,
}

#[derive(Debug, Clone)]
pub struct Term {
    /// The term in `.phys` syntax.
    pub name: String,
    pub id: Id,
}

/// A variable the library is built from: its kernel name, `.phys` spelling and LaTeX.
pub struct Input {
    pub name: String,
    pub source: String,
    pub latex: String,
}

impl Input {
    pub fn plain(name: &str) -> Input {
        Input {
            name: name.to_string(),
            source: name.to_string(),
            latex: latex_name(name),
        }
    }
}

/// Build the library of an ODE system over `vars` (the time `t` may appear in user terms).
pub fn for_odes(
    items: &[LibraryItem],
    vars: &[String],
    time: &str,
    warnings: &mut Vec<String>,
) -> Result<Library, String> {
    let mut inputs: Vec<Input> = vars.iter().map(|v| Input::plain(v)).collect();
    inputs.push(Input::plain(time));
    let mut lib = Library::new(&inputs);
    let states: Vec<Symbol> = lib.inputs[..vars.len()].to_vec();
    for item in items {
        match item {
            LibraryItem::Poly { degree } => {
                for exponents in monomials(states.len(), *degree) {
                    let id = lib.monomial(&states, &exponents);
                    lib.push(id, warnings);
                }
            }
            LibraryItem::Trig { harmonics } => lib.trig(&states, *harmonics, warnings),
            LibraryItem::Term(term) => lib.user(term, warnings)?,
        }
    }
    lib.finish()
}

/// Build the PDE-FIND library of a field `u` over one space variable `x`.
pub fn for_pde(
    items: &[LibraryItem],
    var: &str,
    space: &str,
    warnings: &mut Vec<String>,
) -> Result<Library, String> {
    pde_library(items, var, space, None, warnings).map(|(lib, _)| lib)
}

/// A polynomial library term of a field: `u^power` times the field's space derivative of
/// order `derivative` (0: none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldTerm {
    pub power: usize,
    pub derivative: usize,
}

/// The PDE library for the weak form: only the terms that are a space derivative of a power
/// of the field, so that integration by parts moves every derivative onto the test
/// function: `u^p` and `u^p·u_x = (u^(p+1))_x/(p+1)` for every p, and `u_xx`, `u_xxx`.
/// Each term's decomposition comes with it; terms such as `u·u_xx` are left out with a
/// warning, and trigonometric or user terms are an error.
pub fn for_weak_pde(
    items: &[LibraryItem],
    var: &str,
    space: &str,
    warnings: &mut Vec<String>,
) -> Result<(Library, Vec<FieldTerm>), String> {
    let mut left_out = Vec::new();
    let (lib, terms) = pde_library(items, var, space, Some(&mut left_out), warnings)?;
    if !left_out.is_empty() {
        warnings.push(format!(
            "the weak form keeps the library terms that are a space derivative of a power of `{var}`; left out: {} (use `derivative fd` or `savgol` to fit them pointwise)",
            left_out.join(", ")
        ));
    }
    Ok((lib, terms))
}

/// `for_pde`, or with `weak` the weak form's library (the names of the terms it leaves out
/// are pushed to it), with each term's decomposition.
fn pde_library(
    items: &[LibraryItem],
    var: &str,
    space: &str,
    mut weak: Option<&mut Vec<String>>,
    warnings: &mut Vec<String>,
) -> Result<(Library, Vec<FieldTerm>), String> {
    let inputs: Vec<Input> = (0..=3)
        .map(|k| {
            if k == 0 {
                Input::plain(var)
            } else {
                Input {
                    name: format!("{var}_{}", space.repeat(k)),
                    source: format!("d{}({var})", space.repeat(k)),
                    latex: format!("{}_{{{}}}", latex_name(var), space.repeat(k)),
                }
            }
        })
        .collect();
    let mut lib = Library::new(&inputs);
    let mut terms = Vec::new();
    let (u, derivs) = (lib.inputs[0], lib.inputs.clone());
    for item in items {
        match item {
            LibraryItem::Poly { degree } => {
                for p in 0..=*degree {
                    for (k, &derivative) in derivs.iter().enumerate() {
                        let power = lib.monomial(&[u], &[p]);
                        let id = if k == 0 {
                            power
                        } else {
                            let d = lib.builder.sym(derivative);
                            lib.builder.product(power, d)
                        };
                        if let Some(left_out) = weak.as_deref_mut() {
                            if k >= 2 && p > 0 {
                                left_out.push(format!(
                                    "`{}`",
                                    physc_compiler::ir::print::source(
                                        &lib.builder.expr,
                                        id,
                                        &lib.symbols
                                    )
                                ));
                                continue;
                            }
                        }
                        let before = lib.terms.len();
                        lib.push(id, warnings);
                        if lib.terms.len() > before {
                            terms.push(FieldTerm {
                                power: p,
                                derivative: k,
                            });
                        }
                    }
                }
            }
            LibraryItem::Trig { .. } | LibraryItem::Term(_) if weak.is_some() => {
                return Err("the weak form for fields takes `poly(...)` libraries only; use `derivative fd` or `savgol` for trigonometric or user terms".into());
            }
            LibraryItem::Trig { harmonics } => lib.trig(&[u], *harmonics, warnings),
            LibraryItem::Term(term) => lib.user(term, warnings)?,
        }
    }
    Ok((lib.finish()?, terms))
}

/// Exponent vectors of all monomials in `n` variables of total degree ≤ `degree`, by
/// degree, then with the earlier variables' powers first (1, x, y, x², xy, y², …).
pub fn monomials(n: usize, degree: usize) -> Vec<Vec<usize>> {
    fn rec(n: usize, left: usize, prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if prefix.len() + 1 == n {
            prefix.push(left);
            out.push(prefix.clone());
            prefix.pop();
            return;
        }
        for e in (0..=left).rev() {
            prefix.push(e);
            rec(n, left - e, prefix, out);
            prefix.pop();
        }
    }
    let mut out = Vec::new();
    if n == 0 {
        return vec![vec![]];
    }
    for d in 0..=degree {
        rec(n, d, &mut Vec::new(), &mut out);
    }
    out
}

impl Library {
    fn new(inputs: &[Input]) -> Library {
        let mut symbols = Symbols::default();
        let syms = inputs
            .iter()
            .map(|i| {
                symbols.intern(
                    &i.name,
                    SymbolKind::Free(i.name.clone()),
                    i.source.clone(),
                    i.latex.clone(),
                )
            })
            .collect();
        Library {
            builder: Builder::new(),
            symbols,
            inputs: syms,
            terms: Vec::new(),
        }
    }

    fn monomial(&mut self, vars: &[Symbol], exponents: &[usize]) -> Id {
        let mut id = self.builder.num(1.0);
        for (&s, &e) in vars.iter().zip(exponents) {
            if e == 0 {
                continue;
            }
            let v = self.builder.sym(s);
            let factor = if e == 1 {
                v
            } else {
                let n = self.builder.num(e as f64);
                self.builder.power(v, n)
            };
            id = self.builder.product(id, factor);
        }
        id
    }

    fn trig(&mut self, vars: &[Symbol], harmonics: usize, warnings: &mut Vec<String>) {
        for &s in vars {
            for k in 1..=harmonics {
                let v = self.builder.sym(s);
                let kn = self.builder.num(k as f64);
                let arg = self.builder.product(kn, v);
                let sin = self.builder.call(Math::Sin(arg));
                let cos = self.builder.call(Math::Cos(arg));
                self.push(sin, warnings);
                self.push(cos, warnings);
            }
        }
    }

    /// A term the checker elaborated: its parameters are the columns it names, which must
    /// be inputs of this library (the checker reports this already where the block says
    /// what the columns are; data files are only known now).
    fn user(&mut self, term: &ScalarFunction, warnings: &mut Vec<String>) -> Result<(), String> {
        let (lowered, params) = lower_function(term);
        let known: Vec<&str> = self
            .inputs
            .iter()
            .filter_map(|s| self.symbols.get(*s).map(|i| i.name.as_str()))
            .collect();
        for (param, symbol) in term.params.iter().zip(&params) {
            if !known.contains(&symbol.as_str()) {
                return Err(format!(
                    "the library term `{}` uses `{param}`, which is not a variable of the data (the terms may use {})",
                    term.name,
                    known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        let id = self.builder.import(&lowered.builder.expr, lowered.root);
        self.push(id, warnings);
        Ok(())
    }

    fn push(&mut self, id: Id, warnings: &mut Vec<String>) {
        let name = physc_compiler::ir::print::source(&self.builder.expr, id, &self.symbols);
        if self.terms.iter().any(|t| t.id == id) {
            warnings.push(format!(
                "the library term `{name}` appears twice; it is used once"
            ));
            return;
        }
        self.terms.push(Term { name, id });
    }

    fn finish(self) -> Result<Library, String> {
        if self.terms.is_empty() {
            return Err("the library is empty: add `poly(degree: 2)` or terms".into());
        }
        Ok(self)
    }

    /// Every term on every sample: one column per term. `columns` follow `inputs`.
    pub fn evaluate(&self, columns: &[&[f64]]) -> Result<Vec<Vec<f64>>, String> {
        let n = columns.first().map_or(0, |c| c.len());
        let mut out = vec![Vec::with_capacity(n); self.terms.len()];
        self.evaluator(n)?.append(columns, 0..n, &mut out)?;
        Ok(out)
    }

    /// How to evaluate the library on `samples` samples. A library is evaluated once:
    /// below `COLUMN_WORK` point-operations the interpreter over columns finishes before a
    /// kernel would have compiled.
    pub fn evaluator(&self, samples: usize) -> Result<Evaluator<'_>, String> {
        let roots: Vec<Id> = self.terms.iter().map(|t| t.id).collect();
        let work = samples * physc_compiler::ir::lang::reachable(&self.builder.expr, &roots).len();
        let kernel = if work <= COLUMN_WORK {
            None
        } else {
            let plan = KernelPlan {
                expr: self.builder.expr.clone(),
                outputs: self.terms.iter().map(|t| (t.name.clone(), t.id)).collect(),
                inputs: self.inputs.clone(),
                params: Vec::new(),
                param_values: Vec::new(),
            };
            Some(cached::<f64>(&plan).map_err(|e| e.to_string())?)
        };
        Ok(Evaluator {
            library: self,
            roots,
            kernel,
        })
    }
}

/// A library's values on any rows of the data (see `Library::evaluator`).
pub struct Evaluator<'l> {
    library: &'l Library,
    roots: Vec<Id>,
    kernel: Option<std::sync::Arc<physc_runtime::Kernel<f64>>>,
}

impl Evaluator<'_> {
    /// Append the terms' values on the samples `rows` to `out` (one column per term);
    /// `columns` follow the library's inputs and hold every sample.
    pub fn append(
        &self,
        columns: &[&[f64]],
        rows: std::ops::Range<usize>,
        out: &mut [Vec<f64>],
    ) -> Result<(), String> {
        let inputs: Vec<&[f64]> = columns.iter().map(|c| &c[rows.clone()]).collect();
        match &self.kernel {
            Some(kernel) => {
                let start = out.first().map_or(0, Vec::len);
                for col in out.iter_mut() {
                    col.resize(start + rows.len(), 0.0);
                }
                let mut outputs: Vec<&mut [f64]> =
                    out.iter_mut().map(|c| &mut c[start..]).collect();
                kernel
                    .run(&inputs, &mut outputs, &[])
                    .map_err(|e| e.to_string())
            }
            None => {
                let library = self.library;
                let mut input = |s: Symbol| {
                    let k = library.inputs.iter().position(|i| *i == s)?;
                    inputs.get(k).copied()
                };
                let values = physc_compiler::ir::eval::eval_columns(
                    &library.builder.expr,
                    &self.roots,
                    rows.len(),
                    &mut input,
                );
                for (col, v) in out.iter_mut().zip(values) {
                    col.extend_from_slice(&v);
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monomials_are_graded_and_complete() {
        let m = monomials(3, 2);
        assert_eq!(m.len(), 10);
        assert_eq!(m[0], vec![0, 0, 0]);
        assert_eq!(m[1], vec![1, 0, 0]);
        assert_eq!(m[4], vec![2, 0, 0]);
        assert_eq!(m[5], vec![1, 1, 0]);
        assert_eq!(monomials(2, 3).len(), 10);
    }

    #[test]
    fn library_terms_are_named_and_evaluated_by_one_kernel() {
        let mut warnings = Vec::new();
        let items = vec![
            LibraryItem::Poly { degree: 2 },
            LibraryItem::Trig { harmonics: 1 },
        ];
        let lib = for_odes(&items, &["x".into(), "y".into()], "t", &mut warnings).unwrap();
        let names: Vec<&str> = lib.terms.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["1", "x", "y", "x^2", "x * y", "y^2", "sin(x)", "cos(x)", "sin(y)", "cos(y)"]
        );
        let (x, y, t) = ([1.0, 2.0], [3.0, -1.0], [0.0, 0.1]);
        let cols = lib.evaluate(&[&x, &y, &t]).unwrap();
        assert_eq!(cols[0], vec![1.0, 1.0]);
        assert_eq!(cols[4], vec![3.0, -2.0]);
        assert!((cols[6][1] - 2f64.sin()).abs() < 1e-15);
        assert!(warnings.is_empty());
        // The column interpreter (small data) and the kernel (large data) agree.
        let mut rng = physc_runtime::rng::Rng::new(4);
        let data: Vec<Vec<f64>> = (0..3)
            .map(|_| (0..1000).map(|_| rng.range(-3.0, 3.0)).collect())
            .collect();
        let refs: Vec<&[f64]> = data.iter().map(Vec::as_slice).collect();
        let n = refs[0].len();
        let mut by_columns = vec![Vec::new(); lib.terms.len()];
        let mut by_kernel = by_columns.clone();
        lib.evaluator(n)
            .unwrap()
            .append(&refs, 0..n, &mut by_columns)
            .unwrap();
        let kernel = lib.evaluator(COLUMN_WORK + 1).unwrap();
        assert!(kernel.kernel.is_some());
        // In two blocks of rows, as the factorisation asks for them.
        kernel.append(&refs, 0..600, &mut by_kernel).unwrap();
        kernel.append(&refs, 600..n, &mut by_kernel).unwrap();
        for (a, b) in by_columns.iter().zip(&by_kernel) {
            for (a, b) in a.iter().zip(b) {
                assert!((a - b).abs() <= 1e-14 * a.abs().max(1.0), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn pde_library_multiplies_powers_by_derivatives() {
        let lib = for_pde(
            &[LibraryItem::Poly { degree: 1 }],
            "u",
            "x",
            &mut Vec::new(),
        )
        .unwrap();
        let names: Vec<&str> = lib.terms.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "1",
                "dx(u)",
                "dxx(u)",
                "dxxx(u)",
                "u",
                "u * dx(u)",
                "u * dxx(u)",
                "u * dxxx(u)"
            ]
        );
    }
}
