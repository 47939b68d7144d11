#!/usr/bin/env bash
# The check that a change which must not move the training's floating-point
# results (a refactor) kept them: the standard cases trained for 2 short
# epochs (5,000 MNIST images) by an old and a new //tools:train on the same
# machine, and their checkpoints, sample grids, experiment files and metrics
# (timing members aside) compared byte for byte.
#
#   bash benchmarks/bits_check.sh OLD_TRAIN NEW_TRAIN [OUT_DIR]
#
# OLD_TRAIN and NEW_TRAIN are //tools:train binaries (copy them out of
# bazel-bin: a rebuild replaces the file). The cases: the authors'
# simultaneous step (mnist_640), Algorithm 1 with k = 2, a phase boundary (epoch
# 2 starts the recipe's first fine-tuning phase), G's moving average, the
# quickstart model with Adam, the conditional MNIST nets, and the variational
# and denoising autoencoders, and the semi-supervised K + 1 recipe (batch
# normalisation in G, weight normalisation, D's moving average). THREADS (default 1) threads each run; the bits
# do not depend on it. GAN_DATA_DIR must point at the data sets. Each case
# takes about half a minute on one core. Exit status 0 when every case
# agrees, 1 when one differs (named on stderr).
set -euo pipefail
old=${1:?usage: bits_check.sh OLD_TRAIN NEW_TRAIN [OUT_DIR]}
new=${2:?usage: bits_check.sh OLD_TRAIN NEW_TRAIN [OUT_DIR]}
out=${3:-/tmp/bits_check}
threads=${THREADS:-1}
[[ -n "${GAN_DATA_DIR:-}" ]] || { echo "bits_check: GAN_DATA_DIR must point at the data sets" >&2; exit 2; }
for binary in "$old" "$new"; do
  [[ -x "$binary" ]] || { echo "bits_check: $binary is not an executable" >&2; exit 2; }
done
root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$out"
declare -A cases=(
  [simultaneous]="--experiment=$root/experiments/mnist_640.pbtxt --epochs=2"
  [alternating_k2]="--experiment=$root/experiments/mnist_640.pbtxt --epochs=2 --update_mode=alternating --discriminator_steps=2"
  [phase_boundary]="--experiment=$root/experiments/mnist_640.pbtxt --epochs=1"
  [generator_ema]="--experiment=$root/experiments/mnist_640.pbtxt --epochs=2 --generator_ema_decay=0.999"
  [quickstart_adam]="--experiment=$root/experiments/quickstart.pbtxt --epochs=2"
  [conditional]="--experiment=$root/experiments/mnist_conditional.pbtxt --epochs=2"
  [vae]="--experiment=$root/experiments/mnist_vae.pbtxt --epochs=2"
  [denoising_autoencoder]="--experiment=$root/experiments/mnist_denoising_autoencoder.pbtxt --epochs=2"
  [semi_supervised]="--experiment=$root/experiments/mnist_semi_supervised.pbtxt --epochs=2"
)
# metrics.jsonl without the members that measure time.
untimed() { sed -E 's/, "(started_at|seconds|examples_per_second)": [0-9.e+-]+//g' "$1"; }
status=0
for name in "${!cases[@]}"; do
  for side in old new; do
    binary=$old; [[ $side == new ]] && binary=$new
    dir="$out/${name}_$side"
    rm -rf "$dir"
    # shellcheck disable=SC2086
    OMP_NUM_THREADS=$threads "$binary" ${cases[$name]} --max_train_examples=5000 --parzen_every_epochs=0 --stop_after_epochs=2 \
      --output_dir="$dir" > "$out/${name}_$side.log" 2>&1 ||
      { echo "bits_check: $name ($side) failed: $(tail -3 "$out/${name}_$side.log")" >&2; exit 2; }
  done
  differs=()
  a="$out/${name}_old" b="$out/${name}_new"
  for f in checkpoint.ckpt experiment.pbtxt $(cd "$a" && ls samples/*.png); do
    cmp -s "$a/$f" "$b/$f" || differs+=("$f")
  done
  cmp -s <(untimed "$a/metrics.jsonl") <(untimed "$b/metrics.jsonl") || differs+=(metrics.jsonl)
  if (( ${#differs[@]} )); then
    echo "bits_check: $name: ${differs[*]} differ" >&2
    status=1
  else
    echo "bits_check: $name: the same bits ($(cd "$a" && ls samples | wc -l) grids, $(wc -l < "$a/metrics.jsonl") epochs)" >&2
  fi
done
exit $status
