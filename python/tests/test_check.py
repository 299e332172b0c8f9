"""Checking files and source text, and simplifying expressions, from Python."""

import numpy as np
import pytest

import physc
from conftest import EXAMPLES

UNIT_ERROR = """model Heat1D {
  space x in [0, 1] [m]
  time  t in [0, 0.5] [s]
  const k = 0.1 [m/s]
  field u(x, t) [K]
  pde      dt(u) = k * dxx(u)
  initial  u = 0
  boundary u = 0 on boundary
}
"""


def test_a_clean_file_has_no_diagnostics():
    diagnostics = physc.check(EXAMPLES / "heat1d.phys")
    assert diagnostics.errors == []


def test_a_bad_source_names_its_code_and_line():
    diagnostics = physc.check(UNIT_ERROR, name="bad.phys")
    errors = diagnostics.errors
    assert errors, str(diagnostics)
    assert errors[0].code == "E0301", str(diagnostics)
    assert errors[0].line == 6
    assert errors[0].labels[0].file == "bad.phys"
    assert "bad.phys:6" in str(diagnostics)


def test_loading_a_bad_source_raises_check_error_with_the_diagnostics():
    with pytest.raises(physc.CheckError) as info:
        physc.load(UNIT_ERROR, name="bad.phys")
    e = info.value
    assert [d.code for d in e.diagnostics.errors] == ["E0301"]
    assert "E0301" in str(e) and "bad.phys" in str(e)


def test_a_missing_file_is_an_error_that_names_it():
    with pytest.raises(FileNotFoundError, match="no/such/file.phys"):
        physc.load("no/such/file.phys")
    with pytest.raises(FileNotFoundError):
        physc.check(EXAMPLES / "missing.phys")
    # Anything else that names no file is source text.
    with pytest.raises(physc.CheckError) as info:
        physc.load("model {")
    assert info.value.diagnostics.errors[0].code == "E0002"


def test_an_imported_file_is_read_relative_to_the_file(tmp_path):
    (tmp_path / "consts.phys").write_text("const k = 2\n")
    main = tmp_path / "main.phys"
    main.write_text(
        'use "consts.phys"\nmodel M {\n  time t in [0, 1]\n  field y(t)\n'
        "  ode dt(y) = -k * y\n  initial y = 1\n}\nsimulate M {\n  output every: 0.5\n}\n"
    )
    result = physc.load(main).simulate("M", progress=False)
    y = result.fields["y"]
    assert abs(y[-1] - np.exp(-2.0)) < 1e-6


def test_a_program_lists_its_models_and_jobs():
    program = physc.load(EXAMPLES / "heat1d.phys")
    assert program.models == ["Heat1D"]
    assert program.jobs == [("train", "Heat1D")]


def test_simplify_and_latex():
    s = physc.simplify("d(x^2 * sin(x), x)")
    assert s.result == "2 * x * sin(x) + x^2 * cos(x)"
    assert s.ops <= s.input_ops
    assert physc.latex("x^2 / 2") == "0.5 \\, {x}^{2}"
    with pytest.raises(physc.CheckError) as info:
        physc.simplify("x +* 2")
    assert info.value.diagnostics.errors
    with pytest.raises(ValueError):
        physc.simplify("x", form="fast")


def test_a_simplified_expression_becomes_sympy():
    sympy = pytest.importorskip("sympy")
    x = sympy.Symbol("x")
    s = physc.simplify("d(x^3, x) / 3")
    assert sympy.simplify(s.to_sympy() - x**2) == 0
