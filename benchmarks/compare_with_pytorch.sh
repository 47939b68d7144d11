#!/usr/bin/env bash
# Our figures beside PyTorch's on this machine, for every speed ratio the
# README states: one MNIST iteration (alternating and simultaneous), one
# iteration of the convolutional CIFAR-10 model, one Parzen row; and each of
# our iterations' share of this machine's GEMM rate (the same products as
# plain dnnl_sgemm calls, timed in the same process). Three rounds, ours and
# PyTorch's alternated; prints each round and the medians' ratios.
# Needs PyTorch (apt-get install python3-torch; for its dense products a fast
# system BLAS: apt-get install libopenblas0-pthread) and MNIST in
# $GAN_DATA_DIR (or --data_dir's place). Run with nothing else running:
#   GAN_DATA_DIR=$PWD/../shared/data bash benchmarks/compare_with_pytorch.sh
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir="${GAN_DATA_DIR:?set GAN_DATA_DIR to the directory holding mnist/}"
python=/usr/bin/python3
"$python" -c "import torch" 2> /dev/null || { echo "PyTorch is not installed for $python (apt-get install python3-torch)" >&2; exit 1; }
bazel build -c opt //gan/learners:adversarial_step_benchmark //tools:evaluate //tools:train >&2
bench=bazel-bin/gan/learners/adversarial_step_benchmark
checkpoint=$(mktemp -d)/mnist
# A checkpoint to evaluate: one epoch of the paper's MNIST model (its row is
# timed, not judged; the training-set row is the one PyTorch computes too).
bazel-bin/tools/train --experiment=mnist --data_dir="$data_dir" --epochs=1 --parzen_every_epochs=0 --sample_every_epochs=0 \
  --output_dir="$checkpoint" 2> /dev/null > /dev/null

results=$(mktemp)
for round in 1 2 3; do
  # Each iteration against its products as plain dnnl_sgemm calls in the same
  # process: its time (step_ms) and its share of the sgemm rate.
  (cd "$bench.runfiles/gan" && "../../$(basename "$bench")" --benchmark_filter='AgainstGemms/(alternating|simultaneous)/|Cifar10ConvIterationAgainstGemms' --benchmark_format=csv 2> /dev/null) |
    awk -F, -v r="$round" '
      /^name,/ { for (i = 1; i <= NF; ++i) { gsub(/"/, "", $i); column[$i] = i }; next }
      /^"BM_/ {
        task = $1 ~ /Cifar10Conv/ ? "cifar10_conv" : $1 ~ /alternating/ ? "mnist_alternating" : "mnist_simultaneous"
        print r, task, "ours", $column["step_ms"]
        print r, task, "sgemm_share", $column["%_of_sgemm_rate"]
      }' >> "$results"
  for mode in alternating simultaneous; do
    "$python" benchmarks/pytorch_step.py --model=mnist --mode=$mode --iterations=50 |
      sed -n "s/.*median \([0-9.]*\) ms.*/$round mnist_$mode pytorch \1/p" >> "$results"
  done
  "$python" benchmarks/pytorch_step.py --model=cifar10_conv --iterations=5 |
    sed -n "s/.*median \([0-9.]*\) ms.*/$round cifar10_conv pytorch \1/p" >> "$results"
  rm -rf "$checkpoint.cache"
  XDG_CACHE_HOME="$checkpoint.cache" bazel-bin/tools/evaluate --checkpoint="$checkpoint/checkpoint.ckpt" --data_dir="$data_dir" \
    --kmeans_iterations=0 --output_dir="$checkpoint.eval" 2>&1 |
    sed -n "s/^  training_set .*Parzen \([0-9.]*\) s.*/$round parzen_row ours \1/p" | awk '{print $1, $2, $3, $4 * 1000}' >> "$results"
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
print("task                 ours (median ms)  pytorch (median ms)  pytorch / ours  ours, % of sgemm rate (median)")
for task in ["mnist_alternating", "mnist_simultaneous", "cifar10_conv", "parzen_row"]:
    ours, theirs = statistics.median(times[task, "ours"]), statistics.median(times[task, "pytorch"])
    share = f"{statistics.median(times[task, 'sgemm_share']):.1f}" if times[task, "sgemm_share"] else "-"
    print(f"{task:20s} {ours:16.1f}  {theirs:19.1f}  {theirs / ours:13.1f}x  {share:>30s}")
PY
