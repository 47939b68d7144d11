#!/usr/bin/env bash
# Runs a test binary as 2 ranks of one job on this machine:
#   mpirun_test.sh BINARY [ARGS...]
# As root (Open MPI refuses it unless told), with more ranks than cores
# allowed, unbound, and without the single-copy transport that containers
# may forbid; ended after 10 minutes, so nothing hangs.
set -euo pipefail
binary="$1"
shift
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_rmaps_base_oversubscribe=1
export OMP_NUM_THREADS=1
exec timeout --kill-after=10 600 mpirun -np "${RANKS:-2}" --bind-to none "$binary" "$@"
