//! Networks defined in `.phys` files (`network NAME(…) { layers }`, spec §5.2.2) and the
//! standard library's (`use std.architectures`): they train to the exact solution, they are
//! exactly the `mlp` they expand to, and the report says what was built.

use std::f64::consts::PI;
use std::path::Path;

mod support;
use support::{physc, report, scratch, slow, SMALL_HEAT as HEAT};

/// Writes `text` as `name` in `dir`, runs it, and returns the job's output folder.
fn train(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    std::fs::write(dir.join(name), text).unwrap();
    let out = dir.join(name.trim_end_matches(".phys"));
    let output = physc(
        &["run", name, "--out", out.to_str().unwrap(), "--quiet"],
        dir,
    );
    assert!(
        output.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    out.join("H").join("train")
}

/// The rows of a run's loss.csv without their first column (the step), to compare runs
/// bit for bit.
fn loss_rows(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("loss.csv"))
        .unwrap()
        .lines()
        .map(|l| l.split(',').skip(1).collect::<Vec<_>>().join(","))
        .collect()
}

fn column(dir: &Path, file: &str, name: &str) -> Vec<f64> {
    let arrays = physc_runtime::output::npz::read(&dir.join(file)).unwrap();
    let (_, a) = arrays.into_iter().find(|(n, _)| n == name).unwrap();
    a.data().to_vec()
}

/// Relative L2 error of u on the output grid (t first) against the exact solution.
fn heat_error(dir: &Path) -> f64 {
    let (t, x, u) = (
        column(dir, "fields.npz", "t"),
        column(dir, "fields.npz", "x"),
        column(dir, "fields.npz", "u"),
    );
    assert_eq!(u.len(), t.len() * x.len());
    let (mut num, mut den) = (0.0, 0.0);
    for (i, &ti) in t.iter().enumerate() {
        for (j, &xj) in x.iter().enumerate() {
            let exact = (-0.1 * PI * PI * ti).exp() * (PI * xj).sin();
            num += (u[i * x.len() + j] - exact).powi(2);
            den += exact * exact;
        }
    }
    (num / den).sqrt()
}

#[test]
fn a_network_defined_in_the_file_trains_to_the_exact_solution() {
    let dir = scratch("architectures", "defined");
    let steps = if slow() { 1500 } else { 300 };
    let text = format!(
        "network skipnet(width: 32, blocks: 2, act: tanh) {{
  fourier(count: 8, sigma: 1)
  dense(width, act: act)
  repeat blocks {{
    residual {{
      dense(width, act: act)
      dense(width, act: sin)
    }}
  }}
}}
{HEAT}
train H {{
  net      skipnet(width: 16, blocks: 1)
  points   interior: 1024, initial: 128, boundary: 128
  optimize adam(lr: 3e-3, steps: 300) then ssbroyden(steps: {steps})
  output   grid: [41, 21]
}}
"
    );
    let out = train(&dir, "skipnet.phys", &text);
    let net = &report(&out)["config"]["networks"][0];
    assert_eq!(net["widths"], serde_json::json!([16, 16, 16]));
    assert_eq!(
        net["activations"],
        serde_json::json!(["tanh", "tanh", "sin"])
    );
    assert_eq!(net["residuals"], serde_json::json!([[1, 3]]));
    let err = heat_error(&out);
    // Measured: 4.8e-4 after 300 quasi-Newton steps, 1.1e-5 after 1500.
    let bound = if slow() { 3e-5 } else { 1e-3 };
    eprintln!("skipnet: relative L2 error {err:.3e}");
    assert!(err <= bound, "relative L2 error {err:.3e} > {bound}");
}

/// A definition adds nothing of its own: the same seed gives the same bits as the `mlp`
/// call it expands to, written by hand; and dropping the skip changes the result.
#[test]
fn a_definition_is_exactly_the_mlp_it_expands_to() {
    let dir = scratch("architectures", "expansion");
    let job = |net: &str| {
        format!(
            "train H {{\n  net      {net}\n  points   interior: 256, initial: 64, boundary: 64\n  optimize adam(lr: 3e-3, steps: 40)\n  seed     5\n  output   grid: [11, 6]\n}}\n"
        )
    };
    let defined = format!(
        "network block(width: 12) {{
  dense(width, act: tanh, init: he)
  residual {{
    dense(width, act: sin)
    dense(width)
  }}
  dense(6, act: tanh)
}}
{HEAT}{}",
        job("block(width: 10)")
    );
    let by_hand = format!(
        "{HEAT}{}",
        job("mlp(widths: [10, 10, 10, 6], acts: [tanh, sin, tanh, tanh], inits: [he, glorot, glorot, glorot], residuals: [[1, 3]])")
    );
    let no_skip = format!(
        "{HEAT}{}",
        job("mlp(widths: [10, 10, 10, 6], acts: [tanh, sin, tanh, tanh], inits: [he, glorot, glorot, glorot])")
    );
    let loss = |name: &str, text: &str| loss_rows(&train(&dir, name, text));
    let (a, b, c) = (
        loss("defined.phys", &defined),
        loss("by_hand.phys", &by_hand),
        loss("no_skip.phys", &no_skip),
    );
    assert!(a.len() > 10);
    assert_eq!(a, b, "the definition and its expansion differ");
    assert_ne!(a, c, "the skip connection changed nothing");
}

/// Gated layers add nothing of their own either: the standard library's `gated_mlp` is
/// the `modified_mlp` it expands to, bit for bit, and so is a body that gates one layer of
/// three; gating a different set of layers changes the result.
#[test]
fn a_gated_definition_is_exactly_the_modified_mlp_it_expands_to() {
    let dir = scratch("architectures", "gates");
    let job = |net: &str| {
        format!(
            "train H {{\n  net      {net}\n  points   interior: 256, initial: 64, boundary: 64\n  optimize adam(lr: 3e-3, steps: 30)\n  seed     4\n  output   grid: [11, 6]\n}}\n"
        )
    };
    let loss = |name: &str, text: &str| loss_rows(&train(&dir, name, text));
    let stdlib = loss(
        "stdlib.phys",
        &format!(
            "use std.architectures\n{HEAT}{}",
            job("gated_mlp(width: 8, gated: 2)")
        ),
    );
    let full = loss(
        "full.phys",
        &format!("{HEAT}{}", job("modified_mlp(width: 8, depth: 3)")),
    );
    assert!(stdlib.len() > 10);
    assert_eq!(stdlib, full, "gated_mlp and modified_mlp differ");
    let one = loss(
        "one.phys",
        &format!(
            "network one(width: 8) {{
  gates()
  dense(width)
  dense(width)
  dense(width)
  gate()
}}
{HEAT}{}",
            job("one()")
        ),
    );
    let by_hand = loss(
        "by_hand.phys",
        &format!(
            "{HEAT}{}",
            job("modified_mlp(width: 8, depth: 3, gated: [3])")
        ),
    );
    assert_eq!(one, by_hand, "the definition and its expansion differ");
    assert_ne!(one, full, "gating one layer is the same as gating two");
}

#[test]
fn the_standard_library_networks_expand_with_their_parameters() {
    let dir = scratch("architectures", "stdlib");
    for (net, widths, residuals) in [
        (
            "resnet(width: 8, blocks: 2)",
            serde_json::json!([8, 8, 8, 8, 8]),
            serde_json::json!([[1, 3], [3, 5]]),
        ),
        (
            "fourier_mlp(width: 6, depth: 2, count: 4)",
            serde_json::json!([6, 6]),
            serde_json::json!([]),
        ),
        (
            "fourier_resnet(width: 6, blocks: 1, count: 4, act: sin)",
            serde_json::json!([6, 6, 6]),
            serde_json::json!([[1, 3]]),
        ),
        // Gated layers: a modified MLP whose layers after the first are gated.
        (
            "gated_mlp(width: 6, gated: 2)",
            serde_json::json!([6, 6, 6]),
            serde_json::json!([]),
        ),
        // A preset of a built-in network: its parameters go into the call.
        (
            "piratenet(width: 6, blocks: 2, count: 4)",
            serde_json::json!([6, 6]),
            serde_json::json!([]),
        ),
    ] {
        let name = format!("{}.phys", net.split('(').next().unwrap());
        let text = format!(
            "use std.architectures\n{HEAT}train H {{\n  net      {net}\n  points   interior: 64, initial: 16, boundary: 16\n  optimize adam(steps: 5)\n  output   grid: [5, 3]\n}}\n"
        );
        let out = train(&dir, &name, &text);
        let built = &report(&out)["config"]["networks"][0];
        assert_eq!(built["widths"], widths, "{net}");
        assert_eq!(built["residuals"], residuals, "{net}");
        let fourier = net.starts_with("fourier") || net.starts_with("pirate");
        assert_eq!(built["features"] != "None", fourier, "{net}: {built}");
        let kind = if net.starts_with("pirate") {
            "pirate"
        } else if net.starts_with("gated") {
            assert_eq!(built["gated"], serde_json::json!([2, 3]), "{net}");
            "modified_mlp"
        } else {
            "mlp"
        };
        assert_eq!(built["kind"], kind, "{net}");
    }
}
