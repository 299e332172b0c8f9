"""Running jobs from Python: results as arrays, identical to the CLI's files, prediction,
discovery from arrays, cancellation, and bad arguments as exceptions."""

import os
import signal
import subprocess
import threading

import numpy as np
import pytest

import physc
from conftest import EXAMPLES

HEAT = EXAMPLES / "heat1d.phys"
STEPS = 150


@pytest.fixture(scope="module")
def heat():
    program = physc.load(HEAT)
    return program.train("Heat1D", max_steps=STEPS, seed=3, progress=False)


def test_training_gives_arrays_identical_to_the_cli(heat, physc_bin, tmp_path):
    subprocess.run(
        [physc_bin, "run", str(HEAT), "--quiet", "--max-steps", str(STEPS), "--seed", "3",
         "--out", str(tmp_path)],
        check=True,
    )
    npz = np.load(tmp_path / "Heat1D" / "train" / "fields.npz")
    u = heat.fields["u"]
    assert u.shape == npz["u"].shape
    assert np.array_equal(u, npz["u"])  # bit for bit
    for name, axis in heat.axes.items():
        assert np.array_equal(np.unique(npz[name]), axis)


def test_results_are_read_only_views_with_a_loss_history(heat):
    u = heat.fields["u"]
    assert not u.flags.writeable
    with pytest.raises(ValueError):
        u[0, 0] = 1.0
    loss = heat.loss
    assert loss["loss"].shape == loss["step"].shape
    assert len(loss["step"]) == 2 * STEPS
    assert np.all(np.isfinite(loss["loss"]))
    assert loss["loss"][-1] < loss["loss"][0]
    assert set(loss) >= {"step", "loss", "pde"}
    assert heat.report["model"] == "Heat1D"
    assert "Heat1D" in heat.summary()


def test_predict_agrees_with_the_grid(heat):
    x, t = heat.axes["x"], heat.axes["t"]
    u = heat.fields["u"]
    # The grid is time first: u[i, j] at t[i], x[j].
    tt, xx = np.meshgrid(t, x, indexing="ij")
    predicted = heat.predict(x=xx.ravel(), t=tt.ravel())["u"]
    assert np.allclose(predicted.reshape(u.shape), u, rtol=0, atol=1e-12)
    one = heat.predict(x=0.5, t=[0.0, 0.1])["u"]
    assert one.shape == (2,)


def test_predict_refuses_bad_points(heat):
    with pytest.raises(KeyError, match="no points for the input `t`"):
        heat.predict(x=[0.5])
    with pytest.raises(KeyError, match="not an input"):
        heat.predict(x=[0.5], t=[0.1], y=[0.0])
    with pytest.raises(ValueError, match="not finite"):
        heat.predict(x=[np.nan], t=[0.1])
    with pytest.raises(ValueError, match="points"):
        heat.predict(x=[0.5, 0.6, 0.7], t=[0.1, 0.2])
    with pytest.raises(ValueError, match="1-D"):
        heat.predict(x=np.zeros((2, 2)), t=np.zeros((2, 2)))


def test_save_writes_what_the_cli_writes(heat, tmp_path):
    heat.save(tmp_path / "out")
    names = set(os.listdir(tmp_path / "out"))
    assert {"fields.npz", "report.json", "loss.csv"} <= names, names
    png = heat._repr_png_()
    assert png is not None and png[:4] == b"\x89PNG"


def test_an_unknown_model_or_kind_raises_with_the_jobs_available():
    program = physc.load(HEAT)
    with pytest.raises(physc.JobError, match="train Heat1D"):
        program.train("Heat2D", progress=False)
    with pytest.raises(physc.JobError, match="simulate"):
        program.simulate("Heat1D", progress=False)
    with pytest.raises(ValueError):
        program.train("Heat1D", max_steps=-1, progress=False)
    with pytest.raises(ValueError):
        program.train("Heat1D", threads=0, progress=False)


def lorenz():
    result = physc.load(EXAMPLES / "lorenz.phys").simulate("Lorenz", progress=False)
    t = result.axes["t"]
    X = np.column_stack([result.fields[n] for n in ("x", "y", "z")])
    return t, X


def test_simulation_then_discovery_from_arrays_finds_lorenz():
    t, X = lorenz()
    assert X.shape == (len(t), 3)
    found = physc.discover(t, X, names=["x", "y", "z"], degree=2, progress=False)
    terms = [set(e.coefficients) for e in found.equations]
    assert [e.lhs for e in found.equations] == ["dt(x)", "dt(y)", "dt(z)"]
    assert terms == [{"x", "y"}, {"x", "y", "x * z"}, {"z", "x * y"}], terms
    sigma = found.equations[0].coefficients["y"]
    assert abs(sigma - 10) < 1e-2
    assert "model" in found.model
    sympy = pytest.importorskip("sympy")
    x, y = sympy.symbols("x y")
    rhs = found.equations[0].to_sympy()
    assert rhs.free_symbols == {x, y}
    assert abs(float(rhs.coeff(y)) - sigma) < 1e-12


def test_discovery_refuses_bad_arrays():
    t, X = lorenz()
    with pytest.raises(ValueError, match="rows"):
        physc.discover(t[:-1], X, names=["x", "y", "z"], progress=False)
    with pytest.raises(ValueError, match="names"):
        physc.discover(t, X, names=["x", "y"], progress=False)
    bad = X.copy()
    bad[5, 1] = np.nan
    with pytest.raises(ValueError, match="not finite"):
        physc.discover(t, bad, names=["x", "y", "z"], progress=False)


def test_a_cancel_token_set_from_another_thread_stops_training():
    program = physc.load(HEAT)
    token = physc.CancelToken()
    events = []
    timer = threading.Timer(1.0, token.cancel)
    timer.start()
    result = program.train("Heat1D", seed=3, cancel=token, progress=events.append)
    timer.join()
    assert result.interrupted
    assert len(result.loss["step"]) < 5000
    assert np.all(np.isfinite(result.fields["u"]))
    assert events[0]["event"] == "begin" and any(e["event"] == "advance" for e in events)


def test_ctrl_c_stops_training_and_returns_what_was_computed():
    program = physc.load(HEAT)
    timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    result = program.train("Heat1D", seed=3, progress=False)
    timer.join()
    assert result.interrupted
    assert 0 < len(result.loss["step"]) < 5000


def test_an_exception_in_the_progress_callback_stops_the_run_and_is_raised():
    program = physc.load(HEAT)

    def fail(event):
        if event["event"] == "advance":
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        program.train("Heat1D", seed=3, progress=fail)


def test_evolution_from_source_text_returns_its_verified_front(tmp_path):
    source = """
evolve Exp64 {
  target     exp
  range      [0, 1]
  precision  f64
  ops        [add, sub, mul, div]
  budget     generations: 3
  max_ops    10
  seed       2
}
"""
    program = physc.load(source, name="fast.phys")
    assert program.jobs == [("evolve", "Exp64")]
    result = program.evolve("Exp64", progress=False)
    best = result.report["best"]["verification"]
    assert 0 < best["max_rel_err"] < 1e-9
    assert best["ops"] <= 10
    result.save(tmp_path)
    assert (tmp_path / "evolved.phys").is_file()
