#!/usr/bin/env bash
# No package of the project depends, through any chain of build dependencies
# (deps, data, tests included), on itself. The dependencies are `bazel query`'s
# over every package of the source tree; the query runs in a Bazel of its own
# (its own output root under $TEST_TMPDIR, batch mode, so nothing outlives the
# test) in the workspace this test was built from.
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }

# Package-to-package edges "from to" of a `bazel query --output=graph
# --nograph:factored` on stdin, each package once, self-edges dropped.
package_edges() {
  sed -n 's|^  "\(//[^:"]*\):[^"]*" -> "\(//[^:"]*\):[^"]*"$|\1 \2|p' | awk '$1 != $2' | sort -u
}

# Exits non-zero, printing the loop, when the edges on stdin hold a cycle.
check_acyclic() { tsort > /dev/null; }

# The check itself must see a cycle where there is one.
printf '  "//a:x" -> "//b:y"\n  "//b:y" -> "//c:z"\n  "//c:z" -> "//a:w"\n' | package_edges | check_acyclic 2> /dev/null &&
  fail "a cycle a -> b -> c -> a went unnoticed"
printf '  "//a:x" -> "//b:y"\n  "//a:x" -> "//a:v"\n' | package_edges | check_acyclic ||
  fail "a -> b seen as a cycle"

workspace=$(dirname "$(realpath WORKSPACE)")
cd "$workspace"
# Every top-level folder with a BUILD file beneath it (not Bazel's own bazel-* links).
roots=()
for d in */; do
  d=${d%/}
  [[ -L $d ]] && continue
  [[ -n $(find "$d" -name BUILD -print -quit) ]] && roots+=("//$d/...")
done
(( ${#roots[@]} >= 5 )) || fail "found only ${roots[*]} in $workspace"
universe=$(IFS=+; echo "${roots[*]}")
bazel --batch --output_user_root="$TEST_TMPDIR/bazel" query "deps($universe, 1)" --output=graph --nograph:factored \
  > "$TEST_TMPDIR/graph" 2> "$TEST_TMPDIR/query.log" || fail "bazel query: $(tail -5 "$TEST_TMPDIR/query.log")"
package_edges < "$TEST_TMPDIR/graph" > "$TEST_TMPDIR/edges"
[[ $(wc -l < "$TEST_TMPDIR/edges") -ge 20 ]] || fail "too few package dependencies: $(cat "$TEST_TMPDIR/edges")"
check_acyclic < "$TEST_TMPDIR/edges" 2> "$TEST_TMPDIR/loop" || fail "package cycle: $(cat "$TEST_TMPDIR/loop")"
echo "$(wc -l < "$TEST_TMPDIR/edges") dependencies between $(tr ' ' '\n' < "$TEST_TMPDIR/edges" | sort -u | wc -l) packages, no cycle" >&2
