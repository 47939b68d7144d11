#!/usr/bin/env bash
# Distributed training over a real network link: 2 ranks on 2 hosts (network
# namespaces joined by a veth pair, Open MPI's TCP transport, shared memory
# off: distributed/two_hosts.sh), as root. The data-parallel step matches one
# process's there too; a short //tools:train run over the link, unlimited and
# limited to 10 Gbit/s, ends bit-identical to the same run over shared memory,
# and its gradients did cross the link.
set -euo pipefail
t="$TEST_TMPDIR"
fail() { echo "FAIL: $*" >&2; exit 1; }
two_hosts=distributed/two_hosts.sh
export OMP_NUM_THREADS=1
args=(--max_train_examples=1000 --epochs=2 --parzen_every_epochs=0 --sample_every_epochs=0)

# 1. The step of 2 ranks against one process's, over TCP.
"$two_hosts" gan/learners/sharded_step_test > "$t/step.log" 2>&1 || fail "sharded step over the link: $(tail -20 "$t/step.log")"
grep -q "PASSED.* 6 tests" "$t/step.log" || fail "not every step test ran: $(tail -20 "$t/step.log")"

# 2. The same run over shared memory and over the link, unlimited and at 10 Gbit/s.
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
  OMPI_MCA_btl_vader_single_copy_mechanism=none timeout 300 mpirun -np 2 --bind-to none tools/train "${args[@]}" \
  --output_dir="$t/shared_memory" 2> "$t/shared_memory.log" || fail "shared memory run: $(tail -5 "$t/shared_memory.log")"
for rate in "" 10gbit; do
  name="link${rate:+_$rate}"
  "$two_hosts" ${rate:+--rate=$rate} tools/train "${args[@]}" --output_dir="$t/$name" > "$t/$name.log" 2>&1 ||
    fail "$name run: $(tail -5 "$t/$name.log")"
  cmp -s "$t/shared_memory/checkpoint.ckpt" "$t/$name/checkpoint.ckpt" || fail "$name run differs from the shared-memory run"
  # 40 steps, each summing G's and D's gradients (about 15 MB): far more than a launch's own traffic.
  crossed=$(grep -o "two_hosts: [0-9]* bytes" "$t/$name.log" | grep -o "[0-9]*")
  (( crossed > 40 * 10000000 )) || fail "$name: only $crossed bytes crossed the link"
done
echo PASS
