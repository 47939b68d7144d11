#!/usr/bin/env python3
"""The peer of //gan/learners:adversarial_step_benchmark in PyTorch (CPU): one training
iteration of the same model, to compare this project's figures with on the
same machine. Not part of the product or its tests; it needs PyTorch
(Debian 12: apt-get install python3-torch, which is PyTorch 1.13.1).

    /usr/bin/python3 benchmarks/pytorch_step.py --model=mnist --mode=alternating
    /usr/bin/python3 benchmarks/pytorch_step.py --model=cifar10_conv

mnist: experiments/mnist.pbtxt, the paper's MNIST model at batch 100, one
Algorithm 1 iteration (--mode=alternating, k = 1: a D update on a real and a
generated batch, then a G update on fresh noise) or the authors'
simultaneous one, as gan/learners/adversarial_step.h does them.
cifar10_conv: experiments/cifar10_conv.pbtxt, the authors' convolutional
CIFAR-10 model, one simultaneous iteration at batch 128 as
gan/learners/adversarial_step.h does it: G's forward on one noise batch; one D forward
(dropout in training mode) on the real and generated rows together; D's
gradients from the D objective, G's from the non-saturating G objective
through the same forward; SGD with momentum on both nets. The data are
random stand-ins, as in the C++ benchmark. Prints the median time of an
iteration and the rate over the iteration's matrix-product and convolution
FLOPs, counted as AdversarialStep::MatmulFlops counts them.
"""
import argparse
import os
import statistics
import time

# PyTorch's OpenMP threads must not spin while the system BLAS's own threads
# run its products (Debian's PyTorch calls the system BLAS): spinning made an
# MNIST iteration 2.6x slower here. Set before torch starts its threads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
import torch.nn.functional as F
from torch import nn


class Maxout(nn.Module):
    """Max over consecutive groups of `pieces` channels (or features)."""

    def __init__(self, pieces):
        super().__init__()
        self.pieces = pieces

    def forward(self, x):
        shape = (x.shape[0], x.shape[1] // self.pieces, self.pieces) + tuple(x.shape[2:])
        return x.view(shape).max(dim=2).values


class UntiedBias(nn.Module):
    def __init__(self, shape):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(shape))

    def forward(self, x):
        return x + self.bias


def cifar10_conv():
    g = nn.Sequential(
        nn.Linear(100, 8000), nn.ReLU(),
        nn.Linear(8000, 8000), nn.Sigmoid(),
        nn.Unflatten(1, (80, 10, 10)),
        nn.ConvTranspose2d(80, 3, 5, stride=3, bias=False), UntiedBias((3, 32, 32)),
        nn.Flatten())
    d = nn.Sequential(
        nn.Unflatten(1, (3, 32, 32)), nn.Dropout(0.2),
        nn.Conv2d(3, 64, 8, padding=4), Maxout(2), nn.MaxPool2d(4, 2, ceil_mode=True), nn.Dropout(0.5),
        nn.Conv2d(32, 64, 8, padding=3), Maxout(2), nn.MaxPool2d(4, 2, ceil_mode=True), nn.Dropout(0.5),
        nn.Conv2d(32, 384, 5, padding=3), Maxout(2), nn.MaxPool2d(2, 2, ceil_mode=True), nn.Dropout(0.5),
        nn.Flatten(), nn.Linear(4800, 2500), Maxout(5), nn.Dropout(0.5),
        nn.Linear(500, 1))
    # Per example: (output positions, inputs per position, outputs) of each product, as the C++ benchmark lists them.
    d_products = [(33 * 33, 3 * 64, 64), (15 * 15, 32 * 64, 64), (9 * 9, 32 * 25, 384), (1, 4800, 2500), (1, 500, 1)]
    g_products = [(1, 100, 8000), (1, 8000, 8000), (100, 80, 75)]
    return g, d, d_products, g_products, 128, 3072


def mnist():
    g = nn.Sequential(
        nn.Linear(100, 1200), nn.ReLU(),
        nn.Linear(1200, 1200), nn.ReLU(),
        nn.Linear(1200, 784), nn.Sigmoid())
    d = nn.Sequential(
        nn.Dropout(0.2), nn.Linear(784, 1200), Maxout(5),
        nn.Dropout(0.5), nn.Linear(240, 1200), Maxout(5),
        nn.Dropout(0.5), nn.Linear(240, 1))
    d_products = [(1, 784, 1200), (1, 240, 1200), (1, 240, 1)]
    g_products = [(1, 100, 1200), (1, 1200, 1200), (1, 1200, 784)]
    return g, d, d_products, g_products, 100, 784


def step_flops(mode, m, d_products, g_products):
    """AdversarialStep::MatmulFlops (k = 1 when alternating)."""
    forward = lambda products: sum(2 * p * i * o for p, i, o in products)
    first = lambda products: 2 * products[0][0] * products[0][1] * products[0][2]
    g_forward, d_forward = forward(g_products), forward(d_products)
    if mode == "simultaneous":
        return 2 * m * (3 * d_forward - first(d_products)) + m * d_forward + m * (3 * g_forward - first(g_products))
    d_update = m * g_forward + 2 * m * (3 * d_forward - first(d_products))
    g_update = m * 2 * d_forward + m * (3 * g_forward - first(g_products))
    return d_update + g_update


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="cifar10_conv", choices=["mnist", "cifar10_conv"])
    parser.add_argument("--mode", default="simultaneous", choices=["simultaneous", "alternating"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    g, d, d_products, g_products, m, dim = mnist() if args.model == "mnist" else cifar10_conv()
    g.train()
    d.train()
    lr = 0.1 if args.model == "mnist" else 0.004
    g_opt = torch.optim.SGD(g.parameters(), lr=lr, momentum=0.5)
    d_opt = torch.optim.SGD(d.parameters(), lr=lr, momentum=0.5)
    real = torch.rand(m, dim)
    ones, zeros = torch.ones(m, 1), torch.zeros(m, 1)
    bce = F.binary_cross_entropy_with_logits

    def simultaneous():
        z = torch.randn(m, 100)
        fake = g(z)
        logits = d(torch.cat([real, fake]))
        real_logits, fake_logits = logits[:m], logits[m:]
        d_loss = bce(real_logits, ones) + bce(fake_logits, zeros)
        g_loss = bce(fake_logits, ones)
        d_grads = torch.autograd.grad(d_loss, list(d.parameters()), retain_graph=True)
        g_grads = torch.autograd.grad(g_loss, list(g.parameters()))
        for p, grad in zip(d.parameters(), d_grads):
            p.grad = grad
        for p, grad in zip(g.parameters(), g_grads):
            p.grad = grad
        d_opt.step()
        g_opt.step()

    def alternating():
        with torch.no_grad():
            fake = g(torch.randn(m, 100))
        logits = d(torch.cat([real, fake]))
        d_loss = bce(logits[:m], ones) + bce(logits[m:], zeros)
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        g_loss = bce(d(g(torch.randn(m, 100))), ones)
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward(inputs=list(g.parameters()))  # D's parameters need no gradient here
        g_opt.step()

    iteration = alternating if args.mode == "alternating" else simultaneous
    iteration()  # warm-up
    times = []
    for _ in range(args.iterations):
        start = time.perf_counter()
        iteration()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    flops = step_flops(args.mode, m, d_products, g_products)
    print(f"pytorch {torch.__version__} {args.model} {args.mode}: {args.iterations} iterations on {args.threads} threads, "
          f"median {median * 1e3:.1f} ms (range {min(times) * 1e3:.1f}-{max(times) * 1e3:.1f}), "
          f"{flops / 1e9:.2f} GFLOP, {flops / median / 1e9:.1f} GFLOP/s")


if __name__ == "__main__":
    main()
