# Sourced by bench/train and bench/accuracy: make (once) and check the virtual environment
# `$venv` with PyTorch $torch_v (CPU use), DeepXDE $deepxde_v and JAX $jax_v. PyPI's Linux
# torch wheel links against the CUDA libraries even when run on a CPU, so those (nvidia-*
# wheels) are installed; its GPU-only requirements triton (about 1 GB) and cuda-bindings are
# left out unless the venv does not work without them. Exits the sourcing script on failure.
check="import torch, deepxde, jax; \
assert torch.__version__.split('+')[0] == '$torch_v', torch.__version__; \
assert deepxde.__version__ == '$deepxde_v'; assert jax.__version__ == '$jax_v'; \
assert deepxde.backend.backend_name == 'pytorch'; \
x = torch.ones(3, requires_grad=True); torch.autograd.grad(torch.tanh(x).sum(), x); \
import jax.numpy as jnp; jax.jit(jnp.sin)(1.0).block_until_ready()"
venv_ok() { DDE_BACKEND=pytorch JAX_PLATFORMS=cpu "$venv/bin/python" -c "$check" >/dev/null 2>&1; }
if ! venv_ok; then
    if ! "$venv/bin/python" -c "" 2>/dev/null; then
        echo "== creating $venv" >&2
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --upgrade pip >&2 || true
    fi
    pip=("$venv/bin/pip" install --quiet)
    echo "== installing torch $torch_v (CPU use; without triton), DeepXDE $deepxde_v and" \
        "JAX $jax_v into $venv (once; a few GB)" >&2
    "${pip[@]}" --no-deps "torch==$torch_v" >&2
    # torch's own requirements for this platform, less the GPU-only triton and cuda-bindings
    mapfile -t deps < <("$venv/bin/python" - <<'EOF'
from importlib.metadata import requires
try:
    from packaging.requirements import Requirement
except ImportError:
    from pip._vendor.packaging.requirements import Requirement
for line in requires("torch") or []:
    r = Requirement(line)
    if r.name.lower() in ("triton", "cuda-bindings"):
        continue
    if r.marker is not None and not r.marker.evaluate({"extra": ""}):
        continue
    r.marker = None
    print(r)
EOF
)
    "${pip[@]}" "${deps[@]}" >&2
    "${pip[@]}" "deepxde==$deepxde_v" "jax[cpu]==$jax_v" >&2
    if ! venv_ok; then
        echo "== the venv does not work without torch's GPU-only extras; installing torch" \
            "with all its requirements" >&2
        "${pip[@]}" "torch==$torch_v" >&2
    fi
    if ! venv_ok; then
        DDE_BACKEND=pytorch JAX_PLATFORMS=cpu "$venv/bin/python" -c "$check" >&2 || true
        echo "$(basename "$0"): $venv does not work (see above)" >&2
        exit 1
    fi
fi
