#!/usr/bin/env bash
# Our figures beside PyTorch's on this machine, for every speed ratio the
# README states: one MNIST iteration (alternating and simultaneous), one
# iteration of the convolutional CIFAR-10 model, one Parzen row. Three rounds,
# ours and PyTorch's alternated; prints each round and the medians' ratios.
# Needs PyTorch (apt-get install python3-torch; for its dense products a fast
# system BLAS: apt-get install libopenblas0-pthread) and MNIST in
# $GAN_DATA_DIR (or --data_dir's place). Run with nothing else running:
#   GAN_DATA_DIR=$PWD/../shared/data bash benchmarks/compare_with_pytorch.sh
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir="${GAN_DATA_DIR:?set GAN_DATA_DIR to the directory holding mnist/}"
python=/usr/bin/python3
"$python" -c "import torch" 2> /dev/null || { echo "PyTorch is not installed for $python (apt-get install python3-torch)" >&2; exit 1; }
bazel build -c opt //gan:adversarial_step_benchmark //tools:evaluate //tools:train >&2
bench=bazel-bin/gan/adversarial_step_benchmark
checkpoint=$(mktemp -d)/mnist
# A checkpoint to evaluate: one epoch of the paper's MNIST model (its row is
# timed, not judged; the training-set row is the one PyTorch computes too).
bazel-bin/tools/train --experiment=mnist --data_dir="$data_dir" --epochs=1 --parzen_every_epochs=0 --sample_every_epochs=0 \
  --output_dir="$checkpoint" 2> /dev/null > /dev/null

results=$(mktemp)
for round in 1 2 3; do
  # One invocation per counter set: the CSV reporter wants the same counters in every row.
  for filter in 'BM_MnistIteration/' 'BM_Cifar10ConvIterationAgainstGemms'; do
    (cd "$bench.runfiles/gan" && "../../$(basename "$bench")" --benchmark_filter="$filter" --benchmark_format=csv 2> /dev/null) |
      awk -F, -v r="$round" '/^"BM_MnistIteration\/alternating/ {print r, "mnist_alternating ours", $3}
                             /^"BM_MnistIteration\/simultaneous/ {print r, "mnist_simultaneous ours", $3}
                             /^"BM_Cifar10Conv/ {print r, "cifar10_conv ours", $NF}' >> "$results"  # its step_ms counter
  done
  for mode in alternating simultaneous; do
    "$python" benchmarks/pytorch_step.py --model=mnist --mode=$mode --iterations=50 |
      sed -n "s/.*median \([0-9.]*\) ms.*/$round mnist_$mode pytorch \1/p" >> "$results"
  done
  "$python" benchmarks/pytorch_step.py --model=cifar10_conv --iterations=5 |
    sed -n "s/.*median \([0-9.]*\) ms.*/$round cifar10_conv pytorch \1/p" >> "$results"
  rm -rf "$checkpoint.cache"
  XDG_CACHE_HOME="$checkpoint.cache" bazel-bin/tools/evaluate --checkpoint="$checkpoint/checkpoint.ckpt" --data_dir="$data_dir" \
    --kmeans_iterations=0 --output_dir="$checkpoint.eval" 2>&1 |
    sed -n "s/^  training_set .*(\([0-9.]*\) s)$/$round parzen_row ours \1/p" | awk '{print $1, $2, $3, $4 * 1000}' >> "$results"
  "$python" benchmarks/pytorch_parzen.py --data_dir="$data_dir" --repeats=1 |
    sed -n "s/.*threads: \([0-9.]*\) s$/$round parzen_row pytorch \1/p" | awk '{print $1, $2, $3, $4 * 1000}' >> "$results"
done
echo "round task who milliseconds"
cat "$results"
"$python" - "$results" <<'PY'
import collections, statistics, sys
times = collections.defaultdict(list)
for line in open(sys.argv[1]):
    _, task, who, ms = line.split()
    times[task, who].append(float(ms))
print("task                 ours (median ms)  pytorch (median ms)  pytorch / ours")
for task in ["mnist_alternating", "mnist_simultaneous", "cifar10_conv", "parzen_row"]:
    ours, theirs = statistics.median(times[task, "ours"]), statistics.median(times[task, "pytorch"])
    print(f"{task:20s} {ours:16.1f}  {theirs:19.1f}  {theirs / ours:13.1f}x")
PY
