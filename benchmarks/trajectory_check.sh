#!/usr/bin/env bash
# The statistical check that stands in for bit identity when a change is
# allowed to move the training's floating-point results: an experiment (by
# default the authors' recipe, experiments/mnist.pbtxt) trained for EPOCHS
# epochs from several seeds, the old way and the new way, on the same
# machine; each run's test figure by the paper's Parzen protocol (the run's
# own report at its last epoch); then both sets' mean and spread, and whether
# the new mean lies within the old seeds' range.
#
#   bash benchmarks/trajectory_check.sh OLD_TRAIN NEW_TRAIN [OUT_DIR]
#
# OLD_TRAIN and NEW_TRAIN are //tools:train binaries (copy them out of
# bazel-bin: a rebuild replaces the file), the same one when the change is an
# experiment setting: OLD_EXPERIMENT and NEW_EXPERIMENT name the experiment
# files (default experiments/mnist.pbtxt for both). For example, SGD folded
# into the products (gan/spec/experiment.proto, fold_into_products):
#   sed 's/sgd {/sgd { fold_into_products: true/' experiments/mnist.pbtxt > /tmp/mnist_folded.pbtxt
#   NEW_EXPERIMENT=/tmp/mnist_folded.pbtxt bash benchmarks/trajectory_check.sh train train
# Set SEEDS (default "1 2 3") and EPOCHS (default 30); GAN_DATA_DIR must
# point at the data sets. THREADS (default 2) threads a run; with THREADS=1
# the script runs an old and a new run at once (the same bits: a run does not
# depend on its thread count), which uses 2 cores better. A run that
# already finished in OUT_DIR (default /tmp/trajectory_check) is read again,
# not retrained, so an interrupted check continues where it stopped. Each run
# takes about 5 minutes of 2 cores at 30 epochs; nothing else should run.
# Exit status 0 when the new mean is within the old range, 1 when it is not.
set -euo pipefail
old=${1:?usage: trajectory_check.sh OLD_TRAIN NEW_TRAIN [OUT_DIR]}
new=${2:?usage: trajectory_check.sh OLD_TRAIN NEW_TRAIN [OUT_DIR]}
out=${3:-/tmp/trajectory_check}
seeds=${SEEDS:-1 2 3}
epochs=${EPOCHS:-30}
[[ -n "${GAN_DATA_DIR:-}" ]] || { echo "trajectory_check: GAN_DATA_DIR must point at the data sets" >&2; exit 2; }
for binary in "$old" "$new"; do
  [[ -x "$binary" ]] || { echo "trajectory_check: $binary is not an executable" >&2; exit 2; }
done
root="$(cd "$(dirname "$0")/.." && pwd)"
old_experiment=${OLD_EXPERIMENT:-$root/experiments/mnist.pbtxt}
new_experiment=${NEW_EXPERIMENT:-$root/experiments/mnist.pbtxt}
threads=${THREADS:-2}
for experiment in "$old_experiment" "$new_experiment"; do
  [[ -f "$experiment" ]] || { echo "trajectory_check: no experiment file $experiment" >&2; exit 2; }
done

# The test figure a finished run reported at its last epoch; empty if none.
reported_test() {
  [[ -f "$1/metrics.jsonl" ]] || return 0
  grep "\"epoch\": $epochs," "$1/metrics.jsonl" | grep -o '"parzen_test": [-0-9.]*' | cut -d' ' -f2
}

# One run of BINARY on EXPERIMENT with SEED into DIR, unless DIR already holds its figure.
train() {
  local binary=$1 experiment=$2 seed=$3 dir=$4
  [[ -n "$(reported_test "$dir")" ]] && return 0
  rm -rf "$dir"
  local start=$SECONDS
  OMP_NUM_THREADS=$threads "$binary" --experiment="$experiment" --seed="$seed" --stop_after_epochs="$epochs" \
    --parzen_every_epochs="$epochs" --sample_every_epochs=0 --output_dir="$dir" 2> "$dir.log" \
    || { echo "trajectory_check: training failed, see $dir.log" >&2; tail -3 "$dir.log" >&2; return 1; }
  echo "$(basename "$dir"): $((SECONDS - start)) s" >&2
}

mkdir -p "$out"
for seed in $seeds; do
  if [[ "$threads" == 1 ]]; then
    train "$old" "$old_experiment" "$seed" "$out/old_seed$seed" &
    train "$new" "$new_experiment" "$seed" "$out/new_seed$seed" &
    wait -n && wait -n || exit 2
  else
    train "$old" "$old_experiment" "$seed" "$out/old_seed$seed" || exit 2
    train "$new" "$new_experiment" "$seed" "$out/new_seed$seed" || exit 2
  fi
done

printf '%-6s %10s %10s\n' seed old new
figures=""
for seed in $seeds; do
  o=$(reported_test "$out/old_seed$seed") n=$(reported_test "$out/new_seed$seed")
  printf '%-6s %10s %10s\n' "$seed" "$o" "$n"
  figures+="$o $n"$'\n'
done
# Mean, sample standard deviation and range of each column; the verdict.
awk -v epochs="$epochs" '
  NF == 2 { o[++n] = $1; w[n] = $2 }
  function stats(v, name,   i, s, ss, lo, hi, mean) {
    lo = v[1]; hi = v[1]
    for (i = 1; i <= n; ++i) { s += v[i]; lo = v[i] < lo ? v[i] : lo; hi = v[i] > hi ? v[i] : hi }
    mean = s / n
    for (i = 1; i <= n; ++i) ss += (v[i] - mean) ^ 2
    printf "%s: mean %.1f, sd %.1f, range %.1f to %.1f (%d seeds, epoch %d)\n", name, mean, (n > 1 ? sqrt(ss / (n - 1)) : 0), lo, hi, n, epochs
    low = lo; high = hi; return mean
  }
  END {
    stats(o, "old"); old_low = low; old_high = high
    new_mean = stats(w, "new")
    inside = new_mean >= old_low && new_mean <= old_high
    printf "new mean %s the old seeds'\'' range\n", inside ? "within" : "OUTSIDE"
    exit !inside
  }' <<< "$figures"
