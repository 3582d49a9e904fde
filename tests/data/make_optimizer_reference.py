#!/usr/bin/python3
"""Reference trajectories of torch.optim (float64) on a 2-D quadratic, for tests/optimizer_test.cpp.

f(θ) = ½ θᵀ A θ + bᵀ θ with A = [[3, 1], [1, 2]], b = [0.5, -1], θ₀ = [1, -2], five steps.
Weight decay λ is applied the engine's way, as the objective's (λ/2)‖θ‖² term: the gradient
passed to the optimizer is A θ + b + λ θ (torch's own weight_decay argument does the same for
SGD and Adam). Run by hand with Debian's python3-torch: /usr/bin/python3 tests/data/make_optimizer_reference.py
"""
import torch

torch.set_default_dtype(torch.float64)
A = torch.tensor([[3.0, 1.0], [1.0, 2.0]])
b = torch.tensor([0.5, -1.0])
LAMBDA = 0.1
STEPS = 5

cases = {
    "sgd": lambda p: torch.optim.SGD([p], lr=0.1),
    "momentum": lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9),
    "nesterov": lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True),
    "adam": lambda p: torch.optim.Adam([p], lr=0.1, betas=(0.9, 0.999), eps=1e-8),
}
for name, make in cases.items():
    p = torch.tensor([1.0, -2.0], requires_grad=True)
    opt = make(p)
    rows = []
    for _ in range(STEPS):
        opt.zero_grad()
        with torch.no_grad():
            p.grad = A @ p + b + LAMBDA * p
        opt.step()
        rows.append(p.detach().clone())
    print(f"// {name}")
    for r in rows:
        print("    {%.17g, %.17g}," % (r[0].item(), r[1].item()))
