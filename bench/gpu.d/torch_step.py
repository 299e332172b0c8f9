"""One PINN training step of the Allen-Cahn-sized configuration in PyTorch eager, on the GPU.

u_t = 0.001 u_xx + 5 (u - u^3) on x in [-1, 1], t in [0, 1]; u(x, 0) = x^2 cos(pi x);
periodic in x. Network: random Fourier features (64 frequencies, sigma 1, fixed) of (x, t),
then 4 hidden tanh layers of width 256, one output. Points: 8192 interior, 512 initial,
256 boundary pairs (x = -1 and x = 1 at the same t); loss = mean r_pde^2 + 100 mean r_init^2
+ 10 mean (u(-1,t) - u(1,t))^2; one Adam step (lr 1e-3). Derivatives u_t, u_x, u_xx by
torch.autograd.grad with create_graph, as a PyTorch PINN does. float32.

Prints `TORCH steps_per_s=S device=NAME` (median of --steps timed steps after a warm-up,
each synchronised).
"""

import argparse
import statistics
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--interior", type=int, default=8192)
    args = ap.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("torch_step.py: torch sees no CUDA device")
    dev = torch.device("cuda")
    torch.manual_seed(42)
    dtype = torch.float32
    B = torch.randn(2, 64, device=dev, dtype=dtype) * 1.0

    layers = [torch.nn.Linear(128, 256)] + [torch.nn.Linear(256, 256) for _ in range(3)]
    layers.append(torch.nn.Linear(256, 1))
    net = torch.nn.ModuleList(layers).to(dev, dtype)

    def u(x, t):
        z = torch.cat([x, t], dim=1) @ B
        h = torch.cat([torch.cos(z), torch.sin(z)], dim=1)
        for layer in net[:-1]:
            h = torch.tanh(layer(h))
        return net[-1](h)

    def sample(n, lo, hi):
        return lo + (hi - lo) * torch.rand(n, 1, device=dev, dtype=dtype)

    xi, ti = sample(args.interior, -1, 1), sample(args.interior, 0, 1)
    x0 = sample(512, -1, 1)
    tb = sample(256, 0, 1)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        x = xi.clone().requires_grad_(True)
        t = ti.clone().requires_grad_(True)
        uu = u(x, t)
        ones = torch.ones_like(uu)
        u_t, u_x = torch.autograd.grad(uu, (t, x), ones, create_graph=True)
        u_xx = torch.autograd.grad(u_x, x, torch.ones_like(u_x), create_graph=True)[0]
        r = u_t - 0.001 * u_xx - 5.0 * (uu - uu**3)
        r0 = u(x0, torch.zeros_like(x0)) - x0**2 * torch.cos(torch.pi * x0)
        rb = u(-torch.ones_like(tb), tb) - u(torch.ones_like(tb), tb)
        loss = (r**2).mean() + 100 * (r0**2).mean() + 10 * (rb**2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    for _ in range(args.warmup):
        step()
    torch.cuda.synchronize()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"TORCH steps_per_s={1.0 / median:.2f} device={torch.cuda.get_device_name(0).replace(' ', '_')}")


if __name__ == "__main__":
    main()
