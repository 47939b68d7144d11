#!/usr/bin/env bash
# //tools:train as several ranks under mpirun on this machine (Fashion-MNIST,
# the quickstart recipe on 1,000 images): a launch the ranks cannot share is
# refused before training; 2 ranks checkpoint and resume bit-identically; a
# checkpoint of 2 ranks resumes in one process; rank 0 alone speaks and
# writes; a sweep trains one run per value on its own ranks; a rank that
# hangs or dies ends the job within seconds with a message naming a rank, and
# the last checkpoint resumes.
set -euo pipefail
train=tools/train
t="$TEST_TMPDIR"
fail() { echo "FAIL: $*" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
export OMP_NUM_THREADS=1
ranks() {  # ranks N ARGS...: train as N ranks, ended after 5 minutes
  local n="$1"
  shift
  timeout --kill-after=10 300 mpirun -np "$n" --bind-to none "$train" --max_train_examples=1000 --parzen_every_epochs=0 \
    --sample_every_epochs=0 "$@"
}

# 1. A batch of 50 cannot be shared by 3 ranks: refused before any training.
if ranks 3 --epochs=1 --output_dir="$t/refused" > /dev/null 2> "$t"/refused.log; then fail "3 ranks for a batch of 50 were accepted"; fi
grep -q "batch_size: 50 rows cannot be shared equally by 3 ranks" "$t"/refused.log || fail "no clear refusal: $(cat "$t"/refused.log)"
[[ -e "$t"/refused/checkpoint.ckpt ]] && fail "a refused launch trained"

# 2. Two ranks, uninterrupted and stopped after epoch 1 then resumed: the same bits.
ranks 2 --epochs=2 --output_dir="$t/whole" 2> "$t"/whole.log || fail "2 ranks failed: $(tail -5 "$t"/whole.log)"
[[ $(grep -c "^experiment quickstart" "$t"/whole.log) -eq 1 ]] || fail "rank 0 alone should describe the run: $(cat "$t"/whole.log)"
grep -q "2 ranks, 25 rows of each batch each" "$t"/whole.log || fail "the log does not show the ranks"
[[ $(wc -l < "$t"/whole/metrics.jsonl) -eq 2 ]] || fail "metrics.jsonl should have 2 lines"
ranks 2 --epochs=2 --stop_after_epochs=1 --output_dir="$t/split" 2> "$t"/split1.log || fail "stopped run failed: $(tail -5 "$t"/split1.log)"
ranks 2 --output_dir="$t/split" --resume 2> "$t"/split2.log || fail "resumed run failed: $(tail -5 "$t"/split2.log)"
cmp -s "$t"/whole/checkpoint.ckpt "$t"/split/checkpoint.ckpt || fail "2 ranks resumed differ from 2 ranks uninterrupted"

# 3. A checkpoint of 2 ranks continues in one process (the format does not depend on the ranks).
ranks 2 --epochs=2 --stop_after_epochs=1 --output_dir="$t/alone" 2> "$t"/alone1.log || fail "$(tail -5 "$t"/alone1.log)"
"$train" --max_train_examples=1000 --parzen_every_epochs=0 --sample_every_epochs=0 --output_dir="$t/alone" --resume 2> "$t"/alone2.log ||
  fail "one process could not resume 2 ranks' checkpoint: $(tail -5 "$t"/alone2.log)"
[[ $(wc -l < "$t"/alone/metrics.jsonl) -eq 2 ]] || fail "the resumed run should end at epoch 2"

# 4. A sweep: 2 runs of one rank each, one per seed, in one launch; each run is the
# one-process run of its seed, bit for bit; one table and one report of both.
# A sweep the ranks do not fit is refused.
ranks 2 --epochs=2 --sweep=seed=1,2 --output_dir="$t/sweep" > "$t/sweep.out" 2> "$t/sweep.log" ||
  fail "sweep failed: $(tail -5 "$t/sweep.log")"
"$train" --max_train_examples=1000 --parzen_every_epochs=0 --sample_every_epochs=0 --epochs=2 --seed=2 --output_dir="$t/seed2" \
  2> "$t/seed2.log" || fail "$(tail -5 "$t/seed2.log")"
cmp -s "$t/sweep/seed=2/checkpoint.ckpt" "$t/seed2/checkpoint.ckpt" || fail "the sweep's seed=2 run is not the one-process run of seed 2"
grep -q "^seed: 1$" "$t/sweep/seed=1/experiment.pbtxt" || fail "the seed=1 run did not train seed 1"
for run in seed=1 seed=2; do
  grep -q "^| $run | epoch 2 of 2: D loss" "$t/sweep/sweep.md" || fail "sweep.md has no row for $run: $(cat "$t/sweep/sweep.md")"
done
[[ -s "$t/sweep/report.html" ]] || fail "the sweep has no report"
if ranks 3 --sweep=seed=1,2 --output_dir="$t/sweep3" > /dev/null 2> "$t/sweep3.log"; then fail "a sweep of 2 runs on 3 ranks was accepted"; fi
grep -q "2 runs of --ranks_per_run=1 need mpirun -np 2; the job has 3 ranks" "$t/sweep3.log" || fail "no clear refusal: $(tail -3 "$t/sweep3.log")"

# 5. Faults, on a run long enough to be caught in the middle.
rank_pid() {  # rank_pid OUTPUT_DIR RANK: the process of that rank of the run writing OUTPUT_DIR
  local pid
  for pid in $(pgrep -f -- "--output_dir=$1"); do
    tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2" && echo "$pid"
  done
  return 0
}
wait_for_epoch() {  # wait_for_epoch DIR: until its first epoch is written
  for _ in $(seq 1200); do [[ -s "$1/checkpoint.ckpt" ]] && return; sleep 0.1; done
  fail "no epoch in $1 after 120 s: $(tail -5 "$1.log")"
}
fault() {  # fault NAME SIGNAL: send SIGNAL to rank 1 during epoch 2; the job must end within 30 s
  local dir="$1" signal="$2" started
  ranks 2 --epochs=50 --max_train_examples=5000 --collective_timeout_seconds=10 --output_dir="$dir" 2> "$dir.log" &
  local job=$!
  wait_for_epoch "$dir"
  local rank1
  rank1=$(rank_pid "$dir" 1)
  [[ -n "$rank1" ]] || fail "$dir: no process of rank 1"
  kill "-$signal" "$rank1"
  started=$(date +%s)
  if wait "$job"; then fail "$dir: the job went on after rank 1 got SIG$signal"; fi
  (( $(date +%s) - started <= 30 )) || fail "$dir: the job took more than 30 s to end"
  "$train" --max_train_examples=5000 --parzen_every_epochs=0 --sample_every_epochs=0 --output_dir="$dir" --resume --stop_after_epochs=2 \
    2> "$dir.resume.log" || fail "$dir: the last checkpoint does not resume: $(tail -3 "$dir.resume.log")"
}
# A hung rank: the others give up after the timeout and say which rank waited.
fault "$t/hung" STOP
grep -q "rank 0: train: step [0-9]*: rank 0 of 2 (world rank 0): no answer from the other ranks within 10 s" "$t/hung.log" ||
  fail "no message naming the waiting rank: $(tail -5 "$t/hung.log")"
# A dead rank: mpirun names it.
fault "$t/killed" KILL
grep -q "rank 1 with PID [0-9]* on node .* exited on signal 9" "$t/killed.log" || fail "the dead rank is not named: $(tail -8 "$t/killed.log")"
echo "PASS"
