#!/usr/bin/env bash
# The training report end to end, in Debian's headless Chromium: //tools:train
# writes report.html after every epoch, and table1.json and a last line saying
# where everything is at the end; //tools:report overlays two runs (one of them
# stopped and resumed); report/check_report_page.js finds every chart drawn
# with its run's data and every grid loaded on both pages, and finds the
# faults in two doctored copies.
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
export NODE_PATH="$PWD/third_party/report_js/node_modules"
check() { node report/check_report_page.js "$@"; }
run1="$TEST_TMPDIR/run1"
run2="$TEST_TMPDIR/run2"
short=(--max_train_examples=1000 --final_kmeans_iterations=0)

# 1. A finished run: report.html after every epoch, then its Table 1.
tools/train "${short[@]}" --epochs=3 --parzen_every_epochs=1 --output_dir="$run1" > "$TEST_TMPDIR/table1" 2> "$TEST_TMPDIR/log1" ||
  fail "train: $(cat "$TEST_TMPDIR/log1")"
[[ -s "$run1/report.html" && -s "$run1/table1.json" ]] || fail "no report.html or table1.json in $run1: $(ls "$run1")"
grep -q "epoch 2: .*, ETA [0-9]*m[0-9][0-9]s" "$TEST_TMPDIR/log1" || fail "no ETA after the first epoch: $(cat "$TEST_TMPDIR/log1")"
last=$(tail -n 1 "$TEST_TMPDIR/log1")
[[ "$last" == "$run1/report.html; beside it metrics.jsonl, samples/, checkpoint.ckpt (epoch 3 of 3), best.ckpt (epoch "*"), table1.json" ]] ||
  fail "the last line does not say where everything is: $last"
check "$run1/report.html" --screenshot="${TEST_UNDECLARED_OUTPUTS_DIR:-$TEST_TMPDIR}/report.png" > "$TEST_TMPDIR/check1" ||
  fail "$(cat "$TEST_TMPDIR/check1")"
grep -q "checked 1 run(s): 5 charts with 10 series by epoch, 5 charts with 10 series by wall time, 3 grids loaded, Table 1 of 1 run(s)" \
  "$TEST_TMPDIR/check1" || fail "unexpected page: $(cat "$TEST_TMPDIR/check1")"

# 2. A run stopped after its first epoch (its last line says how to go on), then resumed.
tools/train "${short[@]}" --seed=2 --epochs=2 --parzen_every_epochs=2 --stop_after_epochs=1 --output_dir="$run2" 2> "$TEST_TMPDIR/log2" ||
  fail "train: $(cat "$TEST_TMPDIR/log2")"
tail -n 1 "$TEST_TMPDIR/log2" | grep -q "(epoch 1 of 2); continue with --output_dir=$run2 --resume$" ||
  fail "the stopped run's last line: $(tail -n 1 "$TEST_TMPDIR/log2")"
tools/train "${short[@]}" --seed=2 --epochs=2 --parzen_every_epochs=2 --output_dir="$run2" --resume > /dev/null 2> "$TEST_TMPDIR/log3" ||
  fail "resume: $(cat "$TEST_TMPDIR/log3")"
tools/report --output="$TEST_TMPDIR/compare.html" "$run1" "$run2" 2> "$TEST_TMPDIR/report.log" || fail "report: $(cat "$TEST_TMPDIR/report.log")"
check "$TEST_TMPDIR/compare.html" > "$TEST_TMPDIR/check2" || fail "$(cat "$TEST_TMPDIR/check2")"
grep -q "checked 2 run(s): .* 5 grids loaded, Table 1 of 2 run(s)" "$TEST_TMPDIR/check2" || fail "unexpected page: $(cat "$TEST_TMPDIR/check2")"

# 3. The check finds what is wrong with doctored pages: no chart library, a broken grid.
sed 's/var uPlot=/var uPlotGone=/' "$run1/report.html" > "$TEST_TMPDIR/no_charts.html"
check "$TEST_TMPDIR/no_charts.html" > "$TEST_TMPDIR/check3" && fail "a page without uPlot passed: $(cat "$TEST_TMPDIR/check3")"
grep -q "PROBLEM: page error: uPlot is not defined" "$TEST_TMPDIR/check3" || fail "$(cat "$TEST_TMPDIR/check3")"
sed '0,/data:image\/png;base64,..../s//data:image\/png;base64,AAAA/' "$run1/report.html" > "$TEST_TMPDIR/broken_grid.html"
check "$TEST_TMPDIR/broken_grid.html" > "$TEST_TMPDIR/check4" && fail "a page with a broken grid passed: $(cat "$TEST_TMPDIR/check4")"
grep -q "PROBLEM: run run1: the grid of epoch 1 did not load" "$TEST_TMPDIR/check4" || fail "$(cat "$TEST_TMPDIR/check4")"

# 4. Bad input: a directory that is not a run.
tools/report "$TEST_TMPDIR" 2> "$TEST_TMPDIR/bad.log" && fail "report of a non-run directory succeeded"
grep -q "report: $TEST_TMPDIR: not a run directory of //tools:train" "$TEST_TMPDIR/bad.log" || fail "$(cat "$TEST_TMPDIR/bad.log")"
echo PASS
