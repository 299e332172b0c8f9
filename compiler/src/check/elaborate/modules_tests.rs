//! Module semantics through the driver, with files served from memory: names resolve where
//! they are defined (a function's body, a constant, an imported model), libraries that
//! define the same name live side by side through qualified names, cycles and diamonds load
//! each module once, and each mistake is its coded diagnostic.

use crate::diagnostics::Code;
use crate::driver::{compile_source_with, Compilation, MemoryFiles};
use std::path::Path;

/// Compiles `root` (in directory `lib/`) with `files` (paths relative to `lib/`).
fn compile(files: &[(&str, &str)], root: &str) -> Compilation {
    let mut memory = MemoryFiles::new();
    for (path, text) in files {
        memory.insert(Path::new("lib").join(path), *text);
    }
    compile_source_with("root.phys", root, Some(Path::new("lib")), &memory)
}

fn codes(c: &Compilation) -> Vec<Code> {
    c.diagnostics.iter().map(|d| d.code).collect()
}

/// The printed equations of model `name`.
fn printed(c: &Compilation, name: &str) -> String {
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let model = c.program.models.iter().find(|m| m.name == name).unwrap();
    crate::check::print::model(model)
}

const PLATE: &str = "space x in [0, 1], y in [0, 1]  field u(x, y)";

#[test]
fn two_libraries_with_the_same_function_name_side_by_side() {
    let c = compile(
        &[
            ("a.phys", "fn grad2(u) = dxx(u)\nconst k = 2\n"),
            ("b.phys", "fn grad2(u) = 3 * dyy(u)\nconst k = 5\n"),
        ],
        &format!(
            "use \"a.phys\" as a\nuse \"b.phys\" as b\n
             model M {{ {PLATE}  pde a.grad2(u) + b.grad2(u) = a.k * b.k }}"
        ),
    );
    let text = printed(&c, "M");
    assert!(text.contains("pde dxx(u) + 3 * dyy(u) = k * k"), "{text}");
    let model = &c.program.models[0];
    let mut values: Vec<f64> = model
        .constants
        .iter()
        .filter(|k| k.name == "k")
        .map(|k| k.value)
        .collect();
    values.sort_by(f64::total_cmp);
    assert_eq!(values, vec![2.0, 5.0]);
}

#[test]
fn a_root_lap_does_not_change_the_standard_library() {
    let c = compile(
        &[],
        "use std.equations\nfn lap(u) = 0 * u\n
         model M { space x in [0, 1]  time t in [0, 1]  field u(x, t)  pde heat(u, 0.1) = 0 }",
    );
    let text = printed(&c, "M");
    assert!(text.contains("dt(u) - 0.1 * dxx(u) = 0"), "{text}");
}

#[test]
fn a_function_body_resolves_names_where_it_is_defined() {
    let c = compile(
        &[(
            "a.phys",
            "fn helper(u) = 3 * u\nconst c = 7\nfn scaled(u) = c * helper(u)\n",
        )],
        &format!(
            "use \"a.phys\".scaled\nfn helper(u) = 5 * u\nconst c = 11\n
             model M {{ {PLATE}  pde scaled(u) + helper(u) = c }}"
        ),
    );
    let text = printed(&c, "M");
    assert!(text.contains("pde c * (3 * u) + 5 * u = c"), "{text}");
    let model = &c.program.models[0];
    let mut c_values: Vec<f64> = model
        .constants
        .iter()
        .filter(|k| k.name == "c")
        .map(|k| k.value)
        .collect();
    c_values.sort_by(f64::total_cmp);
    assert_eq!(c_values, vec![7.0, 11.0], "a's c and the root's");
}

#[test]
fn an_imported_model_uses_what_its_own_file_imports() {
    let flows = format!(
        "use \"operators.phys\"\nmodel Flow {{ {PLATE}  pde grad2(u) = 0  boundary u = x on boundary }}\n"
    );
    let files = [
        ("operators.phys", "fn grad2(u) = dxx(u) + dyy(u)\n"),
        ("flows.phys", flows.as_str()),
    ];
    let c = compile(&files, "use \"flows.phys\"\n");
    let text = printed(&c, "Flow");
    assert!(text.contains("pde dxx(u) + dyy(u) = 0"), "{text}");
    // Imports are not transitive: the root file did not import the operators.
    let c = compile(
        &files,
        &format!("use \"flows.phys\"\nmodel M {{ {PLATE}  pde grad2(u) = 0 }}"),
    );
    assert_eq!(
        codes(&c),
        vec![Code::UnknownFunction],
        "{:?}",
        c.diagnostics
    );
}

#[test]
fn cycles_and_diamonds_load_each_module_once() {
    let c = compile(
        &[
            (
                "a.phys",
                "use \"b.phys\"\nfn fa(u) = 2 * u\nfn ga(u) = fb(u)\n",
            ),
            (
                "b.phys",
                "use \"a.phys\"\nfn fb(u) = 3 * u\nfn gb(u) = fa(u)\n",
            ),
            ("d.phys", "fn base(u) = dxx(u)\n"),
            ("left.phys", "use \"d.phys\"\nfn left(u) = base(u)\n"),
        ],
        &format!(
            "use \"a.phys\"\nuse \"b.phys\"\nuse \"d.phys\"\nuse \"./d.phys\"\nuse \"left.phys\"\n
             model M {{ {PLATE}  pde ga(u) + gb(u) + base(u) + left(u) = 0 }}"
        ),
    );
    let text = printed(&c, "M");
    assert!(
        text.contains("pde 3 * u + 2 * u + dxx(u) + dxx(u) = 0"),
        "{text}"
    );
    assert_eq!(c.modules.len(), 5, "root, a, b, d, left");
}

#[test]
fn each_mistake_is_its_diagnostic() {
    let libs = [
        ("a.phys", "fn lap(u) = dxx(u)\nconst k = 1\n"),
        ("b.phys", "fn lap(u) = dyy(u)\n"),
    ];
    let model = |pde: &str| format!("model M {{ {PLATE}  pde {pde} = 0 }}");
    let cases = [
        (
            format!("use \"a.phys\"\nuse \"b.phys\"\n{}", model("lap(u)")),
            Code::AmbiguousName,
        ),
        (
            format!("use \"a.phys\" as a\n{}", model("a.lapp(u)")),
            Code::UnknownQualifiedName,
        ),
        (
            format!("use \"a.phys\" as a\n{}", model("a.kk * u")),
            Code::UnknownQualifiedName,
        ),
        (model("u.lap(u)"), Code::UnknownQualifiedName),
        (
            format!("use \"a.phys\" as a\n{}", model("lap(u)")),
            Code::UnknownFunction,
        ),
        (
            format!("use \"a.phys\".nothing\n{}", model("u")),
            Code::UnknownModule,
        ),
        (
            format!("use \"a.phys\".lap as l\n{}", model("u")),
            Code::UnknownModule,
        ),
    ];
    for (root, code) in cases {
        let c = compile(&libs, &root);
        assert!(codes(&c).contains(&code), "{root}\n{:?}", c.diagnostics);
    }
    // The root's own definition hides the imported ones: not ambiguous.
    let c = compile(
        &libs,
        &format!(
            "use \"a.phys\"\nuse \"b.phys\"\nfn lap(u) = 2 * u\n{}",
            model("lap(u)")
        ),
    );
    assert!(printed(&c, "M").contains("pde 2 * u = 0"));
    // So does importing one of them by name.
    let c = compile(
        &libs,
        &format!("use \"a.phys\"\nuse \"b.phys\".lap\n{}", model("lap(u)")),
    );
    assert!(
        codes(&c).contains(&Code::AmbiguousName),
        "an item import is still an import"
    );
}

/// Settings name networks unqualified: a qualified one is refused with the import to write.
#[test]
fn a_qualified_network_in_a_setting_says_how_to_import_it() {
    let c = compile(
        &[],
        "use std.architectures as arch
         model H { space x in [0, 1]  time t in [0, 1]  field u(x, t)
           pde dt(u) = dxx(u)  initial u = 0  boundary u = 0 on boundary }
         train H { net arch.resnet(width: 8) }",
    );
    let d = c
        .diagnostics
        .iter()
        .find(|d| d.code == Code::BadSettingValue)
        .unwrap_or_else(|| panic!("{:?}", c.diagnostics));
    let help = d.help.as_deref().unwrap_or("");
    assert!(help.contains("`use std.MODULE.resnet`"), "{help}");
}

#[test]
fn a_standard_module_under_a_name() {
    let c = compile(
        &[],
        &format!("use std.operators as ops\nmodel M {{ {PLATE}  pde ops.lap(u) = 0 }}"),
    );
    assert!(printed(&c, "M").contains("pde dxx(u) + dyy(u) = 0"));
}
