#!/usr/bin/env python3
"""The peer of one Table 1 row of //tools:evaluate in PyTorch (CPU): the
paper's Parzen-window protocol on MNIST with the first 10,000 training images
as the centres (evaluate's training_set row, so both compute the same figure
without a generator). Not part of the product or its tests; it needs PyTorch
(Debian 12: apt-get install python3-torch) and the MNIST files.

    /usr/bin/python3 benchmarks/pytorch_parzen.py --data_dir=../shared/data

The protocol (eval/table1.h): sigma among 10 values log-spaced in [0.1, 1],
chosen by the mean log-likelihood of validation images 0-999 (training-file
images 50,000-50,999); the row is the mean log-likelihood of the 10,000 test
images at that sigma and its standard error. Squared distances come from
matrix products in float32, as ours do; the log-sum-exp is PyTorch's.
Prints the figure, sigma and the time of the whole row.
"""
import argparse
import gzip
import math
import os
import time

import numpy as np
# PyTorch's OpenMP threads must not spin while the system BLAS's own threads
# run its products (Debian's PyTorch calls the system BLAS): spinning made an
# MNIST iteration 2.6x slower here. Set before torch starts its threads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402


def idx_images(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    count, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    return torch.from_numpy(np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, rows * cols).astype(np.float32) / 255)


def find(data_dir, name):
    for candidate in (os.path.join(data_dir, "mnist", name + ".gz"), os.path.join(data_dir, name + ".gz"),
                      os.path.join(data_dir, "mnist", name), os.path.join(data_dir, name)):
        if os.path.exists(candidate):
            return candidate
    raise SystemExit(f"{name}(.gz) not found under {data_dir} or {data_dir}/mnist")


def log_likelihoods(points, centres, sigmas, block=1024):
    """[len(sigmas), len(points)]: log of the mean Gaussian density of each point."""
    d = centres.shape[1]
    centre_norms = (centres * centres).sum(1)
    out = torch.empty(len(sigmas), points.shape[0], dtype=torch.float64)
    for first in range(0, points.shape[0], block):
        x = points[first:first + block]
        sq = ((x * x).sum(1, keepdim=True) + centre_norms[None, :] - 2 * x @ centres.T).clamp_min(0)
        for s, sigma in enumerate(sigmas):
            lse = torch.logsumexp(-sq / (2 * sigma * sigma), dim=1).double()
            out[s, first:first + block] = lse - math.log(centres.shape[0]) - d * math.log(sigma * math.sqrt(2 * math.pi))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data_dir", default=os.environ.get("GAN_DATA_DIR", ""))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train = idx_images(find(args.data_dir, "train-images-idx3-ubyte"))
    test = idx_images(find(args.data_dir, "t10k-images-idx3-ubyte"))
    centres, valid = train[:10000], train[50000:51000]
    grid = [10 ** (-1 + i / 9) for i in range(10)]
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        valid_means = log_likelihoods(valid, centres, grid).mean(1)
        sigma = grid[int(valid_means.argmax())]
        row = log_likelihoods(test, centres, [sigma])[0]
        times.append(time.perf_counter() - start)
    mean, error = row.mean().item(), (row.std(unbiased=False) / math.sqrt(row.numel())).item()
    print(f"pytorch {torch.__version__} parzen training_set row: {mean:.1f} +- {error:.1f} at sigma {sigma:.4f}; "
          f"{args.repeats} runs on {args.threads} threads: {', '.join(f'{t:.2f}' for t in times)} s")


if __name__ == "__main__":
    main()
