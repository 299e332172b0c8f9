#!/usr/bin/env python3
"""SymPy side of `bench/simplify`.

Reads the corpus (same line rules as `physc simplify --file`: trimmed, blank lines and lines
starting with `#` skipped), translates each expression mechanically to SymPy, times the
pipeline alone, and writes JSON:

    [{"input", "status", "seconds", "sympy_result", "sympy_result_in_phys_syntax", "note"}]

--pipeline simplify (default): `sympy.simplify`, SymPy's most thorough (and most expensive)
call. --pipeline cheap: what a user tries first, `cancel`, `together` and `expand`, each on
the input, keeping the candidate (input included) with the smallest `sympy.count_ops`; the
whole pipeline, choice included, is timed.

status is one of
    ok           simplified; the result is printed in physc syntax
    unprintable  simplified, but the result uses something physc's language lacks (re, im,
                 Piecewise, I, oo, ...); sympy_result_in_phys_syntax is null
    timeout      simplify ran past --timeout seconds; seconds is the cap
    error        parsing, differentiation or simplify raised; seconds is null

Translation: `^` -> `**`; `d(f, x, ...)` -> sympy.diff(f, x, ...) (done while parsing, so not
timed, as physc's `micros` also excludes lowering and differentiation); sigmoid(z) ->
1/(1+exp(-z)); softplus(z) -> log(1+exp(z)); abs/sign/erf/min/max -> Abs/sign/erf/Min/Max;
`pi` and `e` are the constants. Every other name is a plain `Symbol` (no assumptions, so
SymPy, like physc, must not use identities that only hold for positive or real values).
Decimal literals are read as exact rationals (a CAS user's choice; the physc op counter folds
the numeric sub-expressions of the result either way).

Results are printed back in physc syntax: `**` -> `^`, Abs -> abs, Max/Min with more than
two arguments nested, E -> e, pi -> pi. Functions physc lacks but which have an exact
spelling in it are rewritten (cot -> 1/tan, sec -> 1/cos, csc -> 1/sin, coth/sech/csch
likewise, asinh/acosh/atanh via log, erfc -> 1 - erf); such rows get a note.
"""

import argparse
import json
import re
import signal
import sys
import time

import sympy
from sympy.printing.str import StrPrinter

FUNCTIONS = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan,
    "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh,
    "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt,
    "abs": sympy.Abs, "sign": sympy.sign, "erf": sympy.erf,
    "min": sympy.Min, "max": sympy.Max,
    "sigmoid": lambda z: 1 / (1 + sympy.exp(-z)),
    "softplus": lambda z: sympy.log(1 + sympy.exp(z)),
    "d": lambda f, *v: sympy.diff(f, *v),
    "pi": sympy.pi,
    "e": sympy.E,
}

# A name not preceded by a word character or a dot (so the `e` of `1e-3` is not a name).
NAME = re.compile(r"(?<![\w.])[A-Za-z_][A-Za-z0-9_]*")


def read_corpus(path):
    with open(path, encoding="utf-8") as f:
        lines = (l.strip() for l in f)
        return [l for l in lines if l and not l.startswith("#")]


def parse(text):
    local = dict(FUNCTIONS)
    for name in NAME.findall(text):
        if name not in local:
            local[name] = sympy.Symbol(name)
    return sympy.sympify(text.replace("^", "**"), locals=local, rational=True)


class Unprintable(Exception):
    pass


class PhysPrinter(StrPrinter):
    """Prints a SymPy expression in physc's expression syntax."""

    def __init__(self):
        super().__init__()
        self.notes = set()

    def _print_Exp1(self, expr):
        return "e"

    def _print_Pi(self, expr):
        return "pi"

    def _print_Abs(self, expr):
        return "abs(%s)" % self._print(expr.args[0])

    def _nested(self, name, args):
        args = list(args)
        out = self._print(args[-1])
        for a in reversed(args[:-1]):
            out = "%s(%s, %s)" % (name, self._print(a), out)
        return out

    def _print_Max(self, expr):
        return self._nested("max", expr.args)

    def _print_Min(self, expr):
        return self._nested("min", expr.args)

    def _print_log(self, expr):
        if len(expr.args) != 1:
            raise Unprintable("log with a base")
        return "log(%s)" % self._print(expr.args[0])

    _REWRITES = {
        "cot": "1/tan(%s)", "sec": "1/cos(%s)", "csc": "1/sin(%s)",
        "coth": "1/tanh(%s)", "sech": "1/cosh(%s)", "csch": "1/sinh(%s)",
        "asinh": "log(({0}) + sqrt(({0})^2 + 1))",
        "acosh": "log(({0}) + sqrt(({0})^2 - 1))",
        "atanh": "log((1 + ({0}))/(1 - ({0})))/2",
        "erfc": "(1 - erf(%s))",
    }
    _NATIVE = {"sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
               "exp", "sqrt", "sign", "erf"}

    def _print_Function(self, expr):
        name = expr.func.__name__
        if name in self._NATIVE and len(expr.args) == 1:
            return "%s(%s)" % (name, self._print(expr.args[0]))
        if name in self._REWRITES and len(expr.args) == 1:
            self.notes.add("rewrote " + name)
            arg = self._print(expr.args[0])
            pattern = self._REWRITES[name]
            text = pattern.format(arg) if "{0}" in pattern else pattern % arg
            return "(%s)" % text
        raise Unprintable(name)

    def emptyPrinter(self, expr):
        raise Unprintable(type(expr).__name__)

    # Things physc's language has no spelling for.
    def _unprintable(self, expr):
        raise Unprintable(type(expr).__name__)

    _print_ImaginaryUnit = _unprintable
    _print_Infinity = _unprintable
    _print_NegativeInfinity = _unprintable
    _print_ComplexInfinity = _unprintable
    _print_NaN = _unprintable
    _print_Piecewise = _unprintable
    _print_Derivative = _unprintable
    _print_Subs = _unprintable
    _print_Integral = _unprintable
    _print_re = _unprintable
    _print_im = _unprintable
    _print_arg = _unprintable
    _print_conjugate = _unprintable
    _print_Heaviside = _unprintable
    _print_DiracDelta = _unprintable
    _print_Relational = _unprintable
    _print_BooleanTrue = _unprintable
    _print_BooleanFalse = _unprintable


def to_phys(expr):
    p = PhysPrinter()
    text = p.doprint(expr).replace("**", "^")
    return text, sorted(p.notes)


class Timeout(BaseException):
    """Raised by SIGALRM; a BaseException so SymPy's `except Exception` does not eat it."""


def _alarm(signum, frame):
    raise Timeout()


def cheap(expr):
    candidates = [expr, sympy.cancel(expr), sympy.together(expr), sympy.expand(expr)]
    return min(candidates, key=sympy.count_ops)


PIPELINES = {"simplify": sympy.simplify, "cheap": cheap}


def simplify_timed(expr, cap, pipeline=sympy.simplify):
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, cap)
    try:
        start = time.perf_counter()
        out = pipeline(expr)
        seconds = time.perf_counter() - start
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return out, seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("output")
    ap.add_argument("--timeout", type=float, default=20.0,
                    help="cap on one simplify call, in seconds (default 20)")
    ap.add_argument("--pipeline", choices=sorted(PIPELINES), default="simplify")
    args = ap.parse_args()
    pipeline = PIPELINES[args.pipeline]

    # Warm up SymPy's lazy imports and caches on symbols the corpus does not use, so the
    # first corpus row is not charged for them.
    w = sympy.Symbol("warmup_")
    pipeline(sympy.sin(w) ** 2 + sympy.cos(w) ** 2 + (w ** 2 - 1) / (w - 1))

    rows = []
    for i, text in enumerate(read_corpus(args.corpus), 1):
        row = {"input": text, "status": "error", "seconds": None, "sympy_result": None,
               "sympy_result_in_phys_syntax": None, "note": ""}
        try:
            expr = parse(text)
            out, seconds = simplify_timed(expr, args.timeout, pipeline)
            row["seconds"] = seconds
            row["sympy_result"] = str(out)
            try:
                row["sympy_result_in_phys_syntax"], notes = to_phys(out)
                row["status"] = "ok"
                row["note"] = "; ".join(notes)
            except Unprintable as u:
                row["status"] = "unprintable"
                row["note"] = "no physc spelling for %s" % u
        except Timeout:
            row["status"] = "timeout"
            row["seconds"] = args.timeout
            row["note"] = "%s took over %g s" % (args.pipeline, args.timeout)
        except Exception as ex:  # noqa: BLE001 - any failure is recorded, not fatal
            row["note"] = "%s: %s" % (type(ex).__name__, str(ex).splitlines()[0] if str(ex) else "")
        rows.append(row)
        secs = "-" if row["seconds"] is None else "%.3f s" % row["seconds"]
        print("  " + args.pipeline + " %3d %-11s %9s  %s" % (i, row["status"], secs, text[:60]),
              file=sys.stderr, flush=True)

    with open(args.output, "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
