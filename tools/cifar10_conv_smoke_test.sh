#!/usr/bin/env bash
# experiments/cifar10_conv.pbtxt trains: its nets and schedule, 2 steps of
# batch 32 (the experiment's is 128) on the first 64 CIFAR-10 images, through
# //tools:train as a user runs it, leave finite losses, a checkpoint, a sample
# grid and the report. (Most of its minute is loading CIFAR-10 and writing
# G's 64 million parameters and their velocities to the checkpoint.) The long
# runs are not tests (README).
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -n "${GAN_DATA_DIR:-}" ]] || fail "GAN_DATA_DIR must point at the data sets (CIFAR-10); see README"
run="$TEST_TMPDIR/run"
tools/train --experiment=cifar10_conv --max_train_examples=64 --batch_size=32 --epochs=1 --parzen_every_epochs=0 \
  --output_dir="$run" 2> "$TEST_TMPDIR/log" || fail "train: $(cat "$TEST_TMPDIR/log")"
grep -q "experiment cifar10_conv on cifar10 (64 training images, .*): 1 epochs of 2 steps" "$TEST_TMPDIR/log" ||
  fail "unexpected start: $(head -3 "$TEST_TMPDIR/log")"
for f in checkpoint.ckpt samples/epoch_0001.png report.html; do [[ -s "$run/$f" ]] || fail "no $f"; done
line=$(sed -n 1p "$run/metrics.jsonl")
for member in d_loss g_loss mean_d_real mean_d_fake; do
  value=$(grep -o "\"$member\": [-0-9.e]*" <<< "$line" | cut -d' ' -f2)
  awk -v v="$value" 'BEGIN { exit !(v != "" && v == v + 0 && v > -1e30 && v < 1e30) }' || fail "$member is '$value': $line"
done
echo PASS
