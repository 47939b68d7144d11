#!/usr/bin/env bash
# Runs a program as 2 ranks on 2 hosts joined by a real network link, on one
# machine: two network namespaces (the hosts) joined by a veth pair, Open MPI
# launching the second rank through an ssh stand-in that enters its namespace,
# and the TCP transport between them (shared memory off). As root.
#
#   two_hosts.sh [--rate=RATE] PROGRAM [ARGS...]
#
# --rate limits the link in each direction with a token bucket (tc's tbf
# qdisc; e.g. 10gbit, 25gbit). Prints the bytes that crossed the link on its
# last line ("two_hosts: N bytes over the link"). Everything it makes (the
# namespaces, the link) is removed when it ends, however it ends.
set -euo pipefail
rate=""
if [[ "${1:-}" == --rate=* ]]; then rate="${1#--rate=}"; shift; fi
(( $# >= 1 )) || { echo "usage: two_hosts.sh [--rate=RATE] PROGRAM [ARGS...]" >&2; exit 2; }
program="$(realpath "$1")"
shift
command -v ip > /dev/null || { echo "two_hosts: needs ip (iproute2)" >&2; exit 1; }

# Names and addresses of this invocation alone.
id=$$
subnet_octet=$(( id % 200 + 20 ))
host_a="10.77.$subnet_octet.1" host_b="10.77.$subnet_octet.2" subnet="10.77.$subnet_octet.0/24"
ns_a="gan_a_$id" ns_b="gan_b_$id" link_a="gva$id" link_b="gvb$id"
work="$(mktemp -d)"
cleanup() {
  ip netns del "$ns_a" 2> /dev/null || true  # deleting a namespace deletes its end of the link, and so the pair
  ip netns del "$ns_b" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns_a" || { echo "two_hosts: cannot make a network namespace (root needed)" >&2; exit 1; }
ip netns add "$ns_b"
ip link add "$link_a" type veth peer name "$link_b"
ip link set "$link_a" netns "$ns_a"
ip link set "$link_b" netns "$ns_b"
ip -n "$ns_a" addr add "$host_a/24" dev "$link_a"
ip -n "$ns_b" addr add "$host_b/24" dev "$link_b"
for ns_link in "$ns_a $link_a" "$ns_b $link_b"; do
  read -r ns link <<< "$ns_link"
  ip -n "$ns" link set lo up
  ip -n "$ns" link set "$link" up
  if [[ -n "$rate" ]]; then
    ip netns exec "$ns" tc qdisc add dev "$link" root tbf rate "$rate" burst 4mb latency 50ms
  fi
done

# The ssh stand-in: "agent HOST COMMAND" runs COMMAND in HOST's namespace.
cat > "$work/agent" <<AGENT
#!/usr/bin/env bash
host="\$1"; shift
case "\$host" in
  $host_a) ns=$ns_a ;;
  $host_b) ns=$ns_b ;;
  *) echo "two_hosts agent: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" /bin/sh -c "\$*"
AGENT
chmod +x "$work/agent"

bytes() { ip -n "$ns_a" -s -j link show "$link_a" | grep -o '"tx":{"bytes":[0-9]*' | grep -o '[0-9]*$'; }
before=$(bytes)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
status=0
ip netns exec "$ns_a" timeout --kill-after=10 "${TWO_HOSTS_TIMEOUT:-600}" mpirun -np 2 --host "$host_a:1,$host_b:1" --bind-to none \
  --mca plm_rsh_agent "$work/agent" --mca oob_tcp_if_include "$subnet" \
  --mca btl tcp,self --mca btl_tcp_if_include "$subnet" \
  -x OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" -x OMPI_ALLOW_RUN_AS_ROOT -x OMPI_ALLOW_RUN_AS_ROOT_CONFIRM \
  "$program" "$@" || status=$?
echo "two_hosts: $(( $(bytes) - before )) bytes over the link (rank 0 to rank 1)"
exit "$status"
