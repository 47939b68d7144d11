#!/usr/bin/env python3
"""Step time of data-parallel training on N machines, on paper, from figures
measured on one (benchmarks/distributed_figures.sh prints them):

  python3 benchmarks/distributed_projection.py --name=cifar10_conv --step_ms=800.8 \
      --gradient_mb=309.1 --tensors=14 --batch=128 --examples=50000

The model, and what it leaves out:
- A ring all-reduce of B bytes on N machines sends and receives 2 (N - 1) / N * B
  bytes through each machine's link of rate R, in 2 (N - 1) steps per tensor,
  each paying a latency alpha: t_sum = 2 (N - 1) / N * B / R + 2 (N - 1) * tensors * alpha.
  The link is the limit (a cluster's NIC moves the bytes; on the 2-core test
  machine the kernel's TCP copies took the cores instead).
- Global batch fixed (the recipe unchanged): each machine computes batch / N
  rows, at best step_ms / N (smaller products run less efficiently, so this is
  optimistic); N must divide the batch, as train requires.
- Batch per machine fixed: each machine computes the recipe's batch, the global
  batch is N times larger (a different recipe: its learning rate would need
  retuning) and an epoch has N times fewer steps.
- Without overlap a step is compute + t_sum; with full overlap, max(compute,
  t_sum), the bound that gradient sums started during the backward pass
  approach (the last layer's sum can never hide entirely).
"""
import argparse
import math


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--step_ms", type=float, required=True, help="one machine's step, measured")
    parser.add_argument("--gradient_mb", type=float, required=True, help="G's and D's gradients per update, MB")
    parser.add_argument("--tensors", type=int, required=True, help="gradient tensors summed per update")
    parser.add_argument("--batch", type=int, required=True, help="the recipe's batch")
    parser.add_argument("--examples", type=int, required=True, help="training examples per epoch")
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--alpha_us", type=float, default=30.0, help="latency of one ring step over TCP, microseconds")
    parser.add_argument("--machines", default="1,2,4,8,16,64")
    parser.add_argument("--gbits", default="10,25")
    args = parser.parse_args()

    def sum_ms(n, gbit):
        if n == 1:
            return 0.0
        bandwidth = 2 * (n - 1) / n * args.gradient_mb * 1e6 / (gbit * 1e9 / 8)
        latency = 2 * (n - 1) * args.tensors * args.alpha_us * 1e-6
        return 1e3 * (bandwidth + latency)

    print(f"{args.name}: one machine's step {args.step_ms:.1f} ms, {args.gradient_mb:.1f} MB of gradients "
          f"in {args.tensors} tensors, batch {args.batch}, {args.epochs} epochs of {args.examples} examples\n")
    print("| batch | link | machines | sum | step, no overlap | step, full overlap | efficiency (no overlap / overlap) "
          f"| {args.epochs} epochs (no overlap / overlap) | limit |")
    print("|---|---|---|---|---|---|---|---|---|")
    for mode in ("global", "per machine"):
        for gbit in [float(g) for g in args.gbits.split(",")]:
            for n in [int(m) for m in args.machines.split(",")]:
                if n == 1 and (mode, gbit) != ("global", float(args.gbits.split(",")[0])):
                    continue  # one machine's row, once
                if mode == "global" and args.batch % n != 0:
                    print(f"| {args.batch} global | {gbit:g} Gbit/s | {n} | - | - | - | - | - | refused: {n} ranks "
                          f"cannot share a batch of {args.batch} |")
                    continue
                compute = args.step_ms / n if mode == "global" else args.step_ms
                global_batch = args.batch if mode == "global" else args.batch * n
                t_sum = sum_ms(n, gbit)
                plain, overlapped = compute + t_sum, max(compute, t_sum)
                # Efficiency: the share of N machines' time spent as one machine would spend it.
                ideal = args.step_ms / n if mode == "global" else args.step_ms
                steps = math.ceil(args.examples / global_batch) * args.epochs
                hours = lambda ms: steps * ms / 3.6e6
                limit = "compute" if compute >= t_sum else "link"
                print(f"| {global_batch} {'global' if mode == 'global' else f'({args.batch} each)'} | {gbit:g} Gbit/s "
                      f"| {n} | {t_sum:.1f} ms | {plain:.1f} ms | {overlapped:.1f} ms "
                      f"| {100 * ideal / plain:.0f} % / {100 * ideal / overlapped:.0f} % "
                      f"| {hours(plain):.2f} h / {hours(overlapped):.2f} h | {limit} |")


if __name__ == "__main__":
    main()
