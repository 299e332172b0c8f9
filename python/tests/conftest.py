"""Shared paths: the repository's examples and the `physc` binary the CLI comparisons run
(PHYSC_BIN, or the debug build `cargo test` leaves in the workspace's target directory)."""

import os
import pathlib
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def physc_binary():
    candidates = [os.environ.get("PHYSC_BIN"), ROOT / "target" / "debug" / "physc",
                  shutil.which("physc")]
    for c in candidates:
        if c and pathlib.Path(c).is_file():
            return str(c)
    return None


@pytest.fixture
def physc_bin():
    path = physc_binary()
    if path is None:
        pytest.skip("no physc binary: build it with `cargo build -p physc` or set PHYSC_BIN")
    return path
