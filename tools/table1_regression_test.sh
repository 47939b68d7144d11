#!/usr/bin/env bash
# Table 1 regression: the `mnist` experiment (the authors' recipe: uniform
# noise, their schedule and simultaneous step) with seed 1 stopped after a
# CI-sized budget of epochs, then the paper's Parzen protocol on the MNIST test
# set. Same seed and the same machine give the same run bit for bit (1 or 2
# threads alike), so the figure is printed to be compared with the one this
# budget gave when it was recorded, and held to it less a margin. It also
# checks that the run's own report of that epoch is evaluate's model row, and
# that real data scores above the paper's 225. The full reproduction and its
# figures are in the README.
set -euo pipefail
epochs=30
# Recorded at epoch 30 (step 15000) of `--experiment=mnist`, seed 1 (then the
# file's seed; with the same seed the first 600 epochs of every MNIST recipe
# here are the same, and G's moving average, which the recipe now keeps, never
# changes G):
#   131.846 +- 1.521 on an AVX-512 EPYC (2026-11-29; the full run's metrics.jsonl agrees);
#   107.538 +- 1.6 on an AVX2-only EPYC (2026-12-02), where commit 09e57b7 and
#   the code that scored it wrote byte-identical checkpoints (2 epochs, 5,000 images):
#   the figure moved with the processor, not with the code.
# Another processor's kernels round the products differently and the run
# follows another trajectory: on the AVX2 machine its reports at epochs 5 and
# 10 were -87.3 and 14.2 against -57.8 and 41.7. The threshold is the lower
# figure less half the spread between the two; a collapse scores below 0 and a
# net that does not learn stays below 50 (the reports at epoch 10).
recorded="131.846 (AVX-512), 107.538 (AVX2)"
model_threshold=95
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -n "${GAN_DATA_DIR:-}" ]] || fail "GAN_DATA_DIR must point at the data sets (MNIST); see README"

run="$TEST_TMPDIR/mnist"
tools/train --experiment=mnist --seed=1 --stop_after_epochs="$epochs" --sample_every_epochs=0 --parzen_every_epochs="$epochs" --output_dir="$run" 2> "$TEST_TMPDIR/train.log" \
  || fail "training failed: $(tail -5 "$TEST_TMPDIR/train.log")"
grep "^epoch $epochs:" "$TEST_TMPDIR/train.log" >&2 || fail "no epoch $epochs in the log: $(tail -5 "$TEST_TMPDIR/train.log")"
[[ -s "$run/best.ckpt" ]] || fail "the run kept no best.ckpt"
tools/evaluate --checkpoint="$run/checkpoint.ckpt" --kmeans_iterations=0 --feature_figures=false > "$TEST_TMPDIR/table.txt" 2> "$TEST_TMPDIR/evaluate.log" \
  || fail "evaluate failed: $(cat "$TEST_TMPDIR/evaluate.log")"
cat "$TEST_TMPDIR/table.txt" >&2

# The test mean of a row of parzen.json.
row_mean() {
  grep "\"name\": \"$1\"" "$run/parzen.json" | sed -e 's/.*"test_mean": \([-0-9.e+]*\).*/\1/'
}
model=$(row_mean model)
training_set=$(row_mean training_set)
[[ -n "$model" && -n "$training_set" ]] || fail "parzen.json lacks a row: $(cat "$run/parzen.json")"
reported=$(grep "\"epoch\": $epochs," "$run/metrics.jsonl" | grep -o '"parzen_test": [-0-9.]*' | cut -d' ' -f2)
awk -v a="$reported" -v b="$model" 'BEGIN { d = a - b; exit !(a != "" && d < 0.0006 && d > -0.0006) }' \
  || fail "the run reported $reported at epoch $epochs, evaluate says $model"
awk -v v="$training_set" 'BEGIN { exit !(v > 225) }' || fail "the training set scores $training_set, not above 225"
awk -v v="$model" -v t="$model_threshold" 'BEGIN { exit !(v >= t) }' \
  || fail "after $epochs epochs the model scores $model, below the threshold $model_threshold (recorded: $recorded)"
echo "model $model (recorded $recorded) >= $model_threshold after $epochs epochs; training set $training_set" >&2
