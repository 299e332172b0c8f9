"""physc from Python: check, train, simulate, discover and evolve `.phys` models.

    import physc
    program = physc.load("examples/heat1d.phys")
    result = program.train("Heat1D", max_steps=500, seed=0)
    result.fields["u"]          # NumPy array over result.axes
    result.predict(x=[0.5], t=[0.1])

The work is done by the same Rust crates as the `physc` command, with the GIL released;
Ctrl-C stops a run and still returns what it computed (`result.interrupted`).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Sequence

import numpy as np

from . import _physc
from ._physc import CancelToken, CheckError, JobError, PhyscError

__all__ = [
    "CancelToken",
    "CheckError",
    "Diagnostic",
    "Equation",
    "JobError",
    "PhyscError",
    "Program",
    "Result",
    "Simplified",
    "check",
    "discover",
    "latex",
    "load",
    "simplify",
]


@dataclass(frozen=True)
class Label:
    """A span a diagnostic points at: file, 1-based line and column, byte range, message."""

    file: str
    line: int
    column: int
    start: int
    end: int
    message: str


@dataclass(frozen=True)
class Diagnostic:
    """One error or warning of the checker, as `physc check --format json` gives it."""

    code: str
    severity: str
    message: str
    labels: tuple = ()
    help: Optional[str] = None
    notes: tuple = ()

    @property
    def line(self) -> Optional[int]:
        """The line of the primary label (where the problem is)."""
        return self.labels[0].line if self.labels else None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        where = f" at {self.labels[0].file}:{self.line}" if self.labels else ""
        return f"[{self.code}] {self.severity}{where}: {self.message}"


def _diagnostics(text: str) -> list:
    return [
        Diagnostic(
            code=d["code"],
            severity=d["severity"],
            message=d["message"],
            labels=tuple(Label(**l) for l in d["labels"]),
            help=d.get("help"),
            notes=tuple(d.get("notes") or ()),
        )
        for d in json.loads(text)
    ]


class Diagnostics(list):
    """A list of `Diagnostic`s that prints (and shows in Jupyter) as `physc check` does."""

    def __init__(self, items, rendered: str):
        super().__init__(items)
        self.rendered = rendered

    @property
    def errors(self) -> list:
        return [d for d in self if d.is_error]

    def __str__(self) -> str:
        return self.rendered or "no diagnostics"

    def _repr_pretty_(self, p, cycle):  # IPython
        p.text(str(self))


def _attach_diagnostics(e: CheckError) -> CheckError:
    e.diagnostics = Diagnostics(_diagnostics(e.diagnostics_json), str(e))
    return e


def _path_or_source(path_or_source) -> str:
    """A path (`os.PathLike`, or a one-line string ending in `.phys`) must name a file;
    anything else is source text."""
    text = os.fspath(path_or_source)
    looks_like_path = isinstance(path_or_source, os.PathLike) or (
        "\n" not in text and text.strip().endswith(".phys")
    )
    if looks_like_path and not os.path.isfile(text):
        raise FileNotFoundError(f"no such .phys file: {text!r}")
    return text


def check(path_or_source, name: Optional[str] = None) -> Diagnostics:
    """The diagnostics of a file (a path) or of source text; empty when it is clean."""
    text, rendered = _physc.check(_path_or_source(path_or_source), name)
    return Diagnostics(_diagnostics(text), rendered)


def load(path_or_source, name: Optional[str] = None) -> "Program":
    """A checked program from a file (a path) or source text; raises `CheckError`
    (with `.diagnostics`) when it has errors."""
    return Program(path_or_source, name)


def _progress(progress):
    """The callable the native module calls with each progress event (a dict)."""
    if progress is None or progress is False:
        return None
    if callable(progress):
        return progress
    if progress is True or progress == "auto":
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return None if progress == "auto" else _TextProgress()
        return _TqdmProgress(tqdm)
    raise ValueError("progress must be a callable, True, False, None or 'auto'")


class _TqdmProgress:
    def __init__(self, tqdm):
        self.tqdm, self.bar = tqdm, None

    def __call__(self, event):
        kind = event["event"]
        if kind == "begin":
            if self.bar is not None:
                self.bar.close()
            self.bar = self.tqdm(total=event["total"], initial=event["done"], desc=event["task"])
        elif self.bar is None:
            return
        elif kind == "advance":
            self.bar.update(event["done"] - self.bar.n)
        elif kind == "message":
            self.bar.set_postfix_str(event["text"], refresh=False)
        elif kind == "end":
            self.bar.close()
            self.bar = None


class _TextProgress:
    def __call__(self, event):
        if event["event"] == "begin":
            print(f"{event['task']}: {event['total']} {event['unit']}")
        elif event["event"] == "end":
            print("done")


def _sympify(text: str):
    """physc's expression syntax (`^` for powers) as a SymPy expression."""
    import sympy

    return sympy.sympify(text.replace("^", "**"))


@dataclass(frozen=True)
class Equation:
    """A discovered equation `lhs = rhs`, its LaTeX, and the kept terms' coefficients."""

    lhs: str
    rhs: str
    latex: str
    coefficients: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.lhs} = {self.rhs}"

    def to_sympy(self):
        """The right-hand side as a SymPy expression (needs SymPy)."""
        return _sympify(self.rhs)

    def _repr_latex_(self) -> str:
        return f"${self.latex}$"


class Result:
    """What a job computed. Arrays are read-only NumPy views of the result's memory."""

    def __init__(self, native):
        self._native = native

    @property
    def kind(self) -> str:
        return self._native.kind

    @property
    def stopped(self) -> Optional[str]:
        """Why the job stopped early (None when it ran to the end)."""
        return self._native.stopped

    @property
    def interrupted(self) -> bool:
        """Ctrl-C or a `CancelToken` stopped the job; the result is what it computed until
        then."""
        return self._native.interrupted

    @property
    def report(self) -> dict:
        """`report.json` as a dict."""
        return json.loads(self._native.report_json)

    @property
    def fields(self) -> dict:
        """Fields (train, simulated PDEs) or states (simulated ODEs) by name."""
        return self._native.fields()

    @property
    def axes(self) -> dict:
        """The grid's axes by name (time first where there is time)."""
        return self._native.axes()

    @property
    def loss(self) -> dict:
        """Training's loss history: `step`, `loss` and each term's loss, as arrays."""
        return self._native.loss()

    @property
    def params(self) -> dict:
        """Training's learned parameters by name."""
        return dict(self._native.params())

    @property
    def inputs(self) -> list:
        """The trained network's inputs, in order (the keys `predict` takes)."""
        return self._native.network_io()[0]

    def predict(self, points: Optional[Mapping[str, Any]] = None, **coords) -> dict:
        """The trained fields at any points: `predict(x=xs, t=ts)` with one 1-D array (or
        scalar) per input; scalars are repeated to the other inputs' length."""
        given = dict(points or {}, **coords)
        arrays = {k: np.atleast_1d(np.asarray(v, dtype=np.float64)) for k, v in given.items()}
        for k, a in arrays.items():
            if a.ndim != 1:
                raise ValueError(f"`{k}` must be 1-D (one value per point), not shape {a.shape}")
        n = max((a.size for a in arrays.values()), default=0)
        arrays = {
            k: np.full(n, a[0]) if a.size == 1 and n > 1 else np.ascontiguousarray(a)
            for k, a in arrays.items()
        }
        return self._native.predict(arrays)

    @property
    def equations(self) -> list:
        """Discovery's equations."""
        return [
            Equation(lhs, rhs, tex, dict(coefficients))
            for lhs, rhs, tex, coefficients in self._native.equations()
        ]

    @property
    def model(self) -> str:
        """Discovery's model as `.phys` source (what `discovered.phys` holds)."""
        return self._native.discovered_model()

    def summary(self) -> str:
        """What `physc run` prints after the job."""
        return self._native.summary()

    def save(self, directory) -> None:
        """Write the files `physc run` writes (NPZ, VTK, CSV, PNG plots, report.json)."""
        self._native.save(os.fspath(directory))

    def __repr__(self) -> str:
        state = " (interrupted)" if self.interrupted else ""
        return f"<physc {self.kind} result{state}>\n{self.summary()}"

    def _repr_png_(self) -> Optional[bytes]:
        """The result's main plot, for Jupyter (the PNG `save` writes)."""
        with tempfile.TemporaryDirectory() as tmp:
            try:
                self.save(tmp)
            except JobError:
                return None
            pngs = sorted(p for p in os.listdir(tmp) if p.endswith(".png"))
            preferred = [p for p in pngs if "loss" not in p and "error" not in p] or pngs
            if not preferred:
                return None
            with open(os.path.join(tmp, preferred[0]), "rb") as f:
                return f.read()


def _run_options(max_steps, seed, threads, progress, cancel) -> dict:
    if max_steps is not None and max_steps < 0:
        raise ValueError("max_steps must be at least 0")
    if seed is not None and seed < 0:
        raise ValueError("seed must be at least 0")
    return dict(
        max_steps=max_steps,
        seed=seed,
        threads=threads,
        progress=_progress(progress),
        cancel=cancel,
    )


class Program:
    """A checked `.phys` program: `models`, `jobs`, and a method per kind of job."""

    def __init__(self, path_or_source, name: Optional[str] = None):
        try:
            self._native = _physc.Program(_path_or_source(path_or_source), name)
        except CheckError as e:
            raise _attach_diagnostics(e) from None

    @property
    def models(self) -> list:
        return self._native.models

    @property
    def jobs(self) -> list:
        """The job blocks as (kind, target) pairs, in order."""
        return self._native.jobs

    @property
    def warnings(self) -> Diagnostics:
        text, rendered = self._native.warnings
        return Diagnostics(_diagnostics(text), rendered)

    def _run(self, kind, target, max_steps=None, seed=None, threads=None, progress="auto",
             cancel=None) -> Result:
        options = _run_options(max_steps, seed, threads, progress, cancel)
        return Result(self._native.run(kind, target, **options))

    def train(self, model: str, **options) -> Result:
        """Run the `train MODEL` block. Options: max_steps, seed, threads, progress (a
        callable taking event dicts, True, False or 'auto' for tqdm if installed), cancel (a
        `CancelToken`)."""
        return self._run("train", model, **options)

    def simulate(self, model: str, **options) -> Result:
        """Run the `simulate MODEL` block (options as for `train`)."""
        return self._run("simulate", model, **options)

    def discover(self, name: str, **options) -> Result:
        """Run the `discover NAME` block (options as for `train`)."""
        return self._run("discover", name, **options)

    def evolve(self, name: str, **options) -> Result:
        """Run the `evolve NAME` block (options as for `train`)."""
        return self._run("evolve", name, **options)

    def __repr__(self) -> str:
        jobs = ", ".join(f"{k} {t}" for k, t in self.jobs)
        return f"<physc program: models {self.models}, jobs [{jobs}]>"


def discover(t, X, names: Optional[Sequence[str]] = None, *, degree: int = 2,
             trig: Optional[int] = None, threshold: Optional[float] = None,
             name: str = "Arrays", threads=None, progress="auto", cancel=None) -> Result:
    """Discover `dt(x) = f(x)` from samples: `t` (n,) and `X` (n, k) (a NumPy array, or a
    pandas DataFrame whose columns name the states), over a polynomial library of `degree`
    (and `trig` harmonics). `threshold` switches to STLSQ at that relative threshold."""
    if names is None and hasattr(X, "columns"):
        names = [str(c) for c in X.columns]
    X = np.asarray(X, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if t.ndim != 1 or X.ndim != 2:
        raise ValueError(f"t must be 1-D and X 2-D (samples × states), not {t.shape} and {X.shape}")
    if names is None:
        names = [f"x{i}" for i in range(X.shape[1])]
    options = _run_options(None, None, threads, progress, cancel)
    del options["max_steps"], options["seed"]
    native = _physc.discover_arrays(
        np.ascontiguousarray(t), np.ascontiguousarray(X), list(names), degree=degree,
        trig=trig, threshold=threshold, name=name, **options,
    )
    return Result(native)


@dataclass(frozen=True)
class Simplified:
    """An expression simplified by physc's e-graph simplifier."""

    input: str
    result: str
    latex: str
    input_ops: int
    ops: int

    def __str__(self) -> str:
        return self.result

    def _repr_latex_(self) -> str:
        return f"${self.latex}$"

    def to_sympy(self):
        """The result as a SymPy expression (needs SymPy)."""
        return _sympify(self.result)


def simplify(expr: str, form: str = "readable") -> Simplified:
    """Simplify an expression (`d(f, x)` for derivatives); `form` is 'readable' or 'ops'
    (the fewest-operations form kernels compute). Raises `CheckError` on a bad expression."""
    try:
        result, tex, input_ops, ops = _physc.simplify(expr, form)
    except CheckError as e:
        raise _attach_diagnostics(e) from None
    return Simplified(expr, result, tex, input_ops, ops)


def latex(expr: str) -> str:
    """The LaTeX of an expression, simplified."""
    return simplify(expr).latex
