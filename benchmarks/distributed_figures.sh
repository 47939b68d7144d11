#!/usr/bin/env bash
# The figures of the README's distributed-training section, each line one run
# of //gan/learners:sharded_step_benchmark (its header says what the columns
# are), for the paper's MNIST model and the convolutional CIFAR-10 model:
#   one process, 2 threads, against 2 ranks of 1 thread (global batch fixed);
#   one process, 1 thread, against 2 ranks each with the experiment's batch
#   (batch per rank fixed), over shared memory and over a real link between
#   two network namespaces (distributed/two_hosts.sh), unlimited, at 25 and at
#   10 Gbit/s.
# As root, on a machine with nothing else running (pause background runs).
#   bash benchmarks/distributed_figures.sh [EXPERIMENT...]
set -euo pipefail
cd "$(dirname "$0")/.."
bazel build -c opt //gan/learners:sharded_step_benchmark > /dev/null 2>&1
benchmark="$PWD/bazel-bin/gan/learners/sharded_step_benchmark"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_WAIT_POLICY=PASSIVE
echo "processor: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores$(grep -q avx512f /proc/cpuinfo && echo ', AVX-512' || echo ', AVX2 only'); Open MPI $(mpirun --version | head -1 | grep -o '[0-9.]*$')"
for experiment in "${@:-mnist cifar10_conv}"; do
  for e in $experiment; do
    steps=20
    [[ "$e" == cifar10_conv ]] && steps=5
    run() { "$@" --experiment="$e" --steps="$steps" 2>&1 | grep "^$e" || echo "$e: failed: $*"; }
    OMP_NUM_THREADS=2 run "$benchmark" --label=alone
    OMP_NUM_THREADS=1 run mpirun -np 2 --bind-to none "$benchmark" --label=shm
    OMP_NUM_THREADS=1 run "$benchmark" --label=alone
    OMP_NUM_THREADS=1 run mpirun -np 2 --bind-to none "$benchmark" --label=shm --batch_per_rank
    for rate in "" 25gbit 10gbit; do
      OMP_NUM_THREADS=1 run distributed/two_hosts.sh ${rate:+--rate=$rate} "$benchmark" --label="tcp${rate:+ $rate}" --batch_per_rank
    done
  done
done
