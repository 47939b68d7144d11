#!/usr/bin/env bash
# //tools:train end to end on Fashion-MNIST (Debian's package): a short run
# writes its outputs; Ctrl-C (SIGINT) checkpoints and stops; --resume finishes
# the run; bad input gets a clear error and a non-zero exit.
set -euo pipefail
train=tools/train
out="$TEST_TMPDIR/run"

fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. A short run.
"$train" --max_train_examples=1000 --epochs=2 --parzen_every_epochs=2 --final_kmeans_iterations=1 --generator_ema_decay=0.9 \
  --output_dir="$out" \
  > "$TEST_TMPDIR/table1" 2> "$TEST_TMPDIR/log1"
for f in experiment.pbtxt metrics.jsonl checkpoint.ckpt best.ckpt samples/epoch_0001.png samples/epoch_0002.png; do
  [[ -s "$out/$f" ]] || fail "missing $f"
done
[[ $(wc -l < "$out/metrics.jsonl") -eq 2 ]] || fail "metrics.jsonl should have 2 lines"
grep -q '"update_mode": "simultaneous"' "$out/metrics.jsonl" || fail "metrics do not record the update mode"
grep -q "output directory: $out" "$TEST_TMPDIR/log1" || fail "the output directory is not named"
# The finished run ends with Table 1: best.ckpt's row (epoch 2, chosen on validation) and the reference rows.
grep -q "^model .*best.ckpt: epoch 2 of 2, chosen by validation Parzen" "$TEST_TMPDIR/table1" || fail "no model row: $(cat "$TEST_TMPDIR/table1")"
grep -q "^training_set " "$TEST_TMPDIR/table1" && grep -q "^kmeans " "$TEST_TMPDIR/table1" || fail "no reference rows: $(cat "$TEST_TMPDIR/table1")"
grep -q "^model_ema .*G's moving average" "$TEST_TMPDIR/table1" || fail "no row for G's moving average: $(cat "$TEST_TMPDIR/table1")"

# 1a. The Parzen report of epoch 2 (only) is //tools:evaluate's model row for
# the checkpoint of that epoch: same samples, same protocol.
sed -n 1p "$out/metrics.jsonl" | grep -q parzen && fail "epoch 1 has a Parzen report"
reported=$(sed -n 2p "$out/metrics.jsonl" | grep -o '"parzen_test": [-0-9.]*' | cut -d' ' -f2)
[[ -n "$reported" ]] || fail "epoch 2 has no Parzen report: $(sed -n 2p "$out/metrics.jsonl")"
grep -q "epoch 2: .*Parzen valid [-0-9.]*, test [-0-9.]* +- " "$TEST_TMPDIR/log1" || fail "the log does not show the Parzen figure"
tools/evaluate --checkpoint="$out/checkpoint.ckpt" --output_dir="$TEST_TMPDIR/evaluate" --reference_rows=false --feature_figures=false \
  2> "$TEST_TMPDIR/evaluate.log" || fail "evaluate failed: $(cat "$TEST_TMPDIR/evaluate.log")"
evaluated=$(grep -o 'model  *sigma [0-9.]*  test [-0-9.]*' "$TEST_TMPDIR/evaluate.log" | awk '{print $NF}')
awk -v a="$reported" -v b="$evaluated" 'BEGIN { d = a - b; exit !(b != "" && d < 0.006 && d > -0.006) }' ||
  fail "metrics say Parzen $reported, evaluate says '$evaluated'"
# The same for G's moving average (after 20 updates its samples score as G's
# to the printed digits; gan/run/trainer_test.cc checks the parameters differ).
reported_ema=$(sed -n 2p "$out/metrics.jsonl" | grep -o '"ema_parzen_test": [-0-9.]*' | cut -d' ' -f2)
tools/evaluate --checkpoint="$out/checkpoint.ckpt" --ema --output_dir="$TEST_TMPDIR/evaluate_ema" --reference_rows=false --feature_figures=false \
  2> "$TEST_TMPDIR/evaluate_ema.log" || fail "evaluate --ema failed: $(cat "$TEST_TMPDIR/evaluate_ema.log")"
evaluated_ema=$(grep -o 'model  *sigma [0-9.]*  test [-0-9.]*' "$TEST_TMPDIR/evaluate_ema.log" | awk '{print $NF}')
awk -v a="$reported_ema" -v b="$evaluated_ema" 'BEGIN { d = a - b; exit !(a != "" && b != "" && d < 0.006 && d > -0.006) }' ||
  fail "metrics say Parzen $reported_ema for the moving average (G: $reported), evaluate --ema says '$evaluated_ema'"

# 1b. The run's checkpoint exports to ONNX; a corrupt checkpoint or an
# unwritable path is a clear error that leaves no file behind.
tools/export --checkpoint="$out/checkpoint.ckpt" --output="$TEST_TMPDIR/g.onnx" --discriminator_output="$TEST_TMPDIR/d.onnx" \
  2> "$TEST_TMPDIR/export.log" || fail "export failed: $(cat "$TEST_TMPDIR/export.log")"
[[ -s "$TEST_TMPDIR/g.onnx" && -s "$TEST_TMPDIR/d.onnx" ]] || fail "export wrote no model"
head -c 100 "$out/checkpoint.ckpt" > "$TEST_TMPDIR/truncated.ckpt"
if tools/export --checkpoint="$TEST_TMPDIR/truncated.ckpt" --output="$TEST_TMPDIR/bad.onnx" 2> "$TEST_TMPDIR/export2.log"; then
  fail "a truncated checkpoint was exported"
fi
grep -q "truncated.ckpt" "$TEST_TMPDIR/export2.log" || fail "the error does not name the checkpoint: $(cat "$TEST_TMPDIR/export2.log")"
[[ ! -e "$TEST_TMPDIR/bad.onnx" ]] || fail "a failed export left a file"
if tools/export --checkpoint="$out/checkpoint.ckpt" --output="$TEST_TMPDIR/no/such/dir/g.onnx" 2> "$TEST_TMPDIR/export3.log"; then
  fail "export to an unwritable path succeeded"
fi
grep -q "no/such/dir/g.onnx: cannot write" "$TEST_TMPDIR/export3.log" || fail "$(cat "$TEST_TMPDIR/export3.log")"

# 1c. A second stage starts from the first one's parameters: at a learning
# rate far below float resolution its one epoch leaves them as they were, so
# its generator's samples are those of the first run, byte for byte (and a
# fresh start's are not). A checkpoint of other nets is refused by name.
"$train" --max_train_examples=100 --batch_size=100 --epochs=1 --sample_every_epochs=0 --parzen_every_epochs=0 --learning_rate=1e-30 \
  --init_from="$out/checkpoint.ckpt" --output_dir="$TEST_TMPDIR/stage2" 2> "$TEST_TMPDIR/stage2.log" ||
  fail "second stage failed: $(cat "$TEST_TMPDIR/stage2.log")"
grep -q "init_from: \"$out/checkpoint.ckpt\"" "$TEST_TMPDIR/stage2/experiment.pbtxt" || fail "experiment.pbtxt does not record init_from"
"$train" --max_train_examples=100 --batch_size=100 --epochs=1 --sample_every_epochs=0 --parzen_every_epochs=0 --learning_rate=1e-30 \
  --output_dir="$TEST_TMPDIR/fresh" 2> "$TEST_TMPDIR/fresh.log" || fail "fresh run failed: $(cat "$TEST_TMPDIR/fresh.log")"
for run in run stage2 fresh; do
  d="$TEST_TMPDIR/$run"; [[ $run == run ]] && d="$out"
  tools/sample --checkpoint="$d/checkpoint.ckpt" --count=10 --output="$TEST_TMPDIR/samples_$run" 2> "$TEST_TMPDIR/sample.log" ||
    fail "sample failed: $(cat "$TEST_TMPDIR/sample.log")"
done
cmp -s "$TEST_TMPDIR/samples_run.f32" "$TEST_TMPDIR/samples_stage2.f32" || fail "the second stage did not start from the first's parameters"
cmp -s "$TEST_TMPDIR/samples_run.f32" "$TEST_TMPDIR/samples_fresh.f32" && fail "a fresh run has the first run's parameters"
if tools/export --checkpoint="$TEST_TMPDIR/fresh/checkpoint.ckpt" --ema --output="$TEST_TMPDIR/ema.onnx" 2> "$TEST_TMPDIR/export_ema.log"; then
  fail "exported a moving average that a run without one does not have"
fi
grep -q "fresh/checkpoint.ckpt: the run kept no moving average of G" "$TEST_TMPDIR/export_ema.log" || fail "$(cat "$TEST_TMPDIR/export_ema.log")"
sed 's/units: 1200/units: 1100/' experiments/fashion_mnist.pbtxt > "$TEST_TMPDIR/narrower.pbtxt"
if "$train" --experiment="$TEST_TMPDIR/narrower.pbtxt" --max_train_examples=100 --epochs=1 --init_from="$out/checkpoint.ckpt" \
     --output_dir="$TEST_TMPDIR/foreign" 2> "$TEST_TMPDIR/foreign.log"; then
  fail "a checkpoint of other nets was accepted"
fi
grep -q "$out/checkpoint.ckpt: its" "$TEST_TMPDIR/foreign.log" || fail "$(cat "$TEST_TMPDIR/foreign.log")"

# 2. Interrupted by SIGINT mid-run, then resumed to the end.
out2="$TEST_TMPDIR/interrupted"
"$train" --max_train_examples=2000 --epochs=200 --sample_every_epochs=0 --parzen_every_epochs=0 --output_dir="$out2" 2> "$TEST_TMPDIR/log2" &
pid=$!
for _ in $(seq 100); do [[ -s "$out2/metrics.jsonl" ]] && break; sleep 0.2; done
# A second process on the same run directory is refused while the first writes it.
if "$train" --output_dir="$out2" --resume 2> "$TEST_TMPDIR/log_locked"; then fail "two processes trained one run directory"; fi
grep -q "train: $out2: another //tools:train is writing this run directory" "$TEST_TMPDIR/log_locked" || fail "$(cat "$TEST_TMPDIR/log_locked")"
kill -INT "$pid"
wait "$pid" || fail "an interrupted run should exit cleanly"
grep -q "stopped at step" "$TEST_TMPDIR/log2" || fail "no stop message: $(cat "$TEST_TMPDIR/log2")"
tail -n 1 "$TEST_TMPDIR/log2" | grep -q "^$out2/report.html; beside it .*; continue with --output_dir=$out2 --resume$" ||
  fail "the last line does not say where everything is: $(tail -n 1 "$TEST_TMPDIR/log2")"
[[ -s "$out2/checkpoint.ckpt" ]] || fail "no checkpoint after SIGINT"
"$train" --output_dir="$out2" --resume --epochs=3 --sample_every_epochs=0 --parzen_every_epochs=0 2> "$TEST_TMPDIR/log3"
grep -q "resumed from" "$TEST_TMPDIR/log3" || fail "resume did not say where it resumed"
# A run already at its end resumes to nothing: no step, no error.
"$train" --output_dir="$out2" --resume --epochs=3 --sample_every_epochs=0 --parzen_every_epochs=0 2> "$TEST_TMPDIR/log3b" ||
  fail "resuming a finished run failed: $(cat "$TEST_TMPDIR/log3b")"
grep -q "checkpoint.ckpt (epoch [0-9]* of 3)" "$TEST_TMPDIR/log3b" || fail "$(cat "$TEST_TMPDIR/log3b")"

# 2b. Killed (SIGKILL: no checkpoint on the way out) as soon as its first
# checkpoint is there (step 0's: most often in epoch 1), then resumed: the same
# checkpoint and, but for the timing members, the same metrics as a run
# straight through. gan/run/trainer_test.cc kills between an epoch's line and
# its checkpoint deterministically.
small=(--max_train_examples=500 --epochs=8 --sample_every_epochs=0 --parzen_every_epochs=0)
"$train" "${small[@]}" --output_dir="$TEST_TMPDIR/straight" 2> "$TEST_TMPDIR/log_straight" || fail "$(cat "$TEST_TMPDIR/log_straight")"
"$train" "${small[@]}" --output_dir="$TEST_TMPDIR/killed" 2> "$TEST_TMPDIR/log_killed" &
pid=$!
while [[ ! -s "$TEST_TMPDIR/killed/checkpoint.ckpt" ]] && kill -0 "$pid" 2> /dev/null; do sleep 0.05; done
kill -KILL "$pid" || fail "the run ended before it could be killed: $(cat "$TEST_TMPDIR/log_killed")"
wait "$pid" && fail "a killed run exited cleanly"
epochs_before_kill=$(wc -l < "$TEST_TMPDIR/killed/metrics.jsonl")
(( epochs_before_kill < 8 )) || fail "the run ended before it was killed: nothing was tested"
"$train" "${small[@]}" --output_dir="$TEST_TMPDIR/killed" --resume 2> "$TEST_TMPDIR/log_killed_resumed" || fail "$(cat "$TEST_TMPDIR/log_killed_resumed")"
cmp -s "$TEST_TMPDIR/straight/checkpoint.ckpt" "$TEST_TMPDIR/killed/checkpoint.ckpt" ||
  fail "killed after $epochs_before_kill epochs and resumed, the run ends with another checkpoint"
untimed() { sed -E 's/, "(started_at|seconds|examples_per_second)": [0-9.e+-]+//g' "$1/metrics.jsonl"; }  # as benchmarks/bits_check.sh
[[ "$(untimed "$TEST_TMPDIR/straight")" == "$(untimed "$TEST_TMPDIR/killed")" ]] ||
  fail "killed after $epochs_before_kill epochs and resumed, the run's metrics differ: $(diff <(untimed "$TEST_TMPDIR/straight") <(untimed "$TEST_TMPDIR/killed"))"
[[ $(untimed "$TEST_TMPDIR/killed" | grep -c '"seconds"') -eq 0 ]] || fail "untimed() left the timing members in"

# 3. Bad input: clear errors, non-zero exit.
if "$train" --experiment=no_such_experiment 2> "$TEST_TMPDIR/log4"; then fail "unknown experiment accepted"; fi
grep -q "experiment 'no_such_experiment' not found; tried:" "$TEST_TMPDIR/log4" || fail "$(cat "$TEST_TMPDIR/log4")"
# MNIST where it is not: no $GAN_DATA_DIR, an empty cache.
if env -u GAN_DATA_DIR XDG_CACHE_HOME="$TEST_TMPDIR/empty_cache" "$train" --experiment=mnist --data_dir=/nonexistent \
    2> "$TEST_TMPDIR/log5"; then
  fail "training without data succeeded"
fi
grep -q "mnist data not found: missing train-images-idx3-ubyte.gz" "$TEST_TMPDIR/log5" || fail "$(cat "$TEST_TMPDIR/log5")"
grep -q "/nonexistent/mnist" "$TEST_TMPDIR/log5" || fail "the error does not list the places searched"
# A fresh start in a directory that holds a run is refused: it would overwrite the run.
if "$train" "${small[@]}" --output_dir="$TEST_TMPDIR/straight" 2> "$TEST_TMPDIR/log_again"; then fail "a fresh start overwrote a run"; fi
grep -q "straight: holds a run already (checkpoint.ckpt); continue it with --resume" "$TEST_TMPDIR/log_again" || fail "$(cat "$TEST_TMPDIR/log_again")"
if "$train" --resume 2> "$TEST_TMPDIR/log6"; then fail "--resume without --output_dir accepted"; fi
grep -q -- "--resume needs --output_dir" "$TEST_TMPDIR/log6" || fail "$(cat "$TEST_TMPDIR/log6")"
echo "train_test: 1 passed, 0 failed"
