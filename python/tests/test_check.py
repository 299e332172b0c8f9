"""Checking files and source text, and simplifying expressions, from Python."""

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


def test_a_missing_file_is_a_diagnostic_not_a_crash():
    # A string that names no file is source text, which does not parse.
    with pytest.raises(physc.CheckError):
        physc.load("no/such/file.phys")


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
