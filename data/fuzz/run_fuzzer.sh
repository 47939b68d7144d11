#!/usr/bin/env bash
# Builds one libFuzzer target with clang (-fsanitize=fuzzer,address,undefined)
# and runs it for a bounded time from its seed corpus. Fails if the fuzzer
# finds a crash, a leak or undefined behaviour, or if it cannot be built.
#   run_fuzzer.sh NAME SECONDS LIBS -- SOURCES...
set -euo pipefail
name=$1 seconds=$2 libs=$3
shift 4
work="${TEST_TMPDIR:-$(mktemp -d)}/$name"
mkdir -p "$work/corpus"
command -v clang++ >/dev/null || { echo "clang++ is missing: run setup.sh (packages clang, libclang-rt-14-dev)" >&2; exit 1; }
# The runfiles tree is the repository root for includes.
clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I. "$@" -o "$work/fuzzer" $libs \
  -labsl_status -labsl_statusor -labsl_strings -labsl_str_format_internal -labsl_cord -labsl_int128 \
  -labsl_raw_logging_internal -labsl_throw_delegate
cp data/fuzz/corpus/"$name"/* "$work/corpus/"
export TMPDIR="$work"
"$work/fuzzer" -seed=1 -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus" 2>&1 | tail -60
status=${PIPESTATUS[0]}
if ((status != 0)); then
  echo "fuzzer $name failed (exit $status); reproducer in $work" >&2
  for crash in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do [[ -e $crash ]] && xxd "$crash" | head -20; done
fi
exit "$status"
