#!/usr/bin/env bash
# Benchmark: sim-train data-parallel (c10d/Gloo) against one process, on Fashion-MNIST with the
# default network and batch, side by side in one run, alternating:
#   A  one process, --threads 2 (all of this 2-core machine)
#   B  2 ranks x --threads 1 on this machine (loopback)
#   C  2 ranks x --threads 1 in two network namespaces, as two hosts: their link goes through a
#      third namespace whose bridge (delay_bridge.py) holds every frame DELAY_MS each way (the
#      kernel here has no netem). The script creates and removes the namespaces; nothing it
#      sends leaves them.
#   B' and C' as B and C with --sync-batch-norm off (each rank normalises its slice alone)
# Order per round: A B B' A C C', so that each 2-rank run has a neighbouring A; the ratios to that A
# per round, their median, min and max are printed with the CPU model and the measured round trip.
# Images/s are sim-train's own (the training steps, start-up excluded); with them, the time rank 0
# spent in collectives (waiting for the other rank included).
#
# --equivalence instead trains with the default settings, one process against 2 ranks through
# torchrun (with --sync-batch-norm on, the default, and off), and prints the final validation
# precision@1 of each (2 ranks with synchronised batch norms should agree within 0.005).
#
#   scripts/bench/distributed.sh [ROUNDS=3] [STEPS=150] [DELAY_MS=1]   (root: it makes namespaces)
#   scripts/bench/distributed.sh --equivalence
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/scripts/setup.sh" --peers >&2
data=/usr/share/datasets/fashion-mnist
bin="${SIM_BUILD_DIR:-$root/build}/tools"
tmp="$(mktemp -d)"
namespaces=(simbench-a simbench-b simbench-r)
cleanup() {
  pkill -f "delay_bridge.py simbench" 2>/dev/null || true
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%F)"

free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
rate() { grep -o '[0-9.]* images/s' "$1" | tail -1 | awk '{print $1}'; }
collectives() { grep -o 'collectives [0-9.]* s' "$1" | tail -1 | awk '{print $2}'; }

if [[ ${1:-} == --equivalence ]]; then
  "$bin/sim-train" "$data" -o "$tmp/one.sim" 2>"$tmp/one.log"
  for sync in on off; do
    torchrun --nnodes=1 --nproc_per_node=2 -r 1 -t 1 --master_port "$(free_port)" --no_python \
      "$bin/sim-train" "$data" --sync-batch-norm $sync -o "$tmp/two-$sync.sim" 2>"$tmp/two-$sync.log" >/dev/null
  done
  p1() { grep -o 'validation precision@1 [0-9.]*' "$1" | tail -1 | awk '{print $3}'; }
  echo "one process:                         $(grep -o 'wrote .*' "$tmp/one.log")"
  echo "2 ranks:                             $(grep -o 'wrote .*' "$tmp/two-on.log")"
  echo "2 ranks, --sync-batch-norm off:      $(grep -o 'wrote .*' "$tmp/two-off.log")"
  echo "final validation precision@1: one process $(p1 "$tmp/one.log"), 2 ranks $(p1 "$tmp/two-on.log")," \
    "2 ranks with --sync-batch-norm off $(p1 "$tmp/two-off.log")"
  exit 0
fi

rounds="${1:-3}" steps="${2:-150}" delay="${3:-1}"
common=("$data" --steps "$steps" --val-split 0)

# Two "hosts" (a: 10.77.0.1, b: 10.77.0.2) and the bridge between them. Large frames keep the
# bridge's per-frame cost small; offloads off, so frames carry real checksums across it.
for ns in "${namespaces[@]}"; do ip netns add "$ns"; done
ip link add simbench-a0 type veth peer name simbench-ra
ip link add simbench-b0 type veth peer name simbench-rb
ip link set simbench-a0 netns simbench-a
ip link set simbench-b0 netns simbench-b
ip link set simbench-ra netns simbench-r
ip link set simbench-rb netns simbench-r
ip -n simbench-a addr add 10.77.0.1/24 dev simbench-a0
ip -n simbench-b addr add 10.77.0.2/24 dev simbench-b0
for pair in a:simbench-a0 b:simbench-b0 r:simbench-ra r:simbench-rb; do
  ns="simbench-${pair%%:*}" dev="${pair##*:}"
  ip -n "$ns" link set "$dev" mtu 65000
  ip netns exec "$ns" ethtool -K "$dev" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
  ip -n "$ns" link set "$dev" up
done
ip -n simbench-a link set lo up
ip -n simbench-b link set lo up
ip netns exec simbench-r /usr/bin/python3 "$root/scripts/bench/delay_bridge.py" simbench-ra simbench-rb "$delay" &
sleep 1
rtt=$(ip netns exec simbench-a /usr/bin/python3 - <<'PY'
import socket, subprocess, sys, time
server = subprocess.Popen(["ip", "netns", "exec", "simbench-b", "/usr/bin/python3", "-c",
    "import socket\ns = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('10.77.0.2', 29399)); s.listen(); c, _ = s.accept()\n"
    "while (d := c.recv(64)): c.sendall(d)"])
time.sleep(0.5)
c = socket.create_connection(("10.77.0.2", 29399)); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
times = []
for _ in range(41):
    t = time.perf_counter(); c.sendall(b"x"); c.recv(1); times.append(time.perf_counter() - t)
c.close(); server.wait()
print(f"{sorted(times)[20] * 1e3:.2f}")
PY
)
echo "link between the namespaces: round trip ${rtt} ms (median of 41; ${delay} ms each way added)"

run_one() { "$bin/sim-train" "${common[@]}" --threads 2 -o "$tmp/a.sim" 2>"$tmp/a.log"; }
# run_local|run_hosts SYNC: 2 ranks with --sync-batch-norm SYNC, logs b0.log/b1.log (c0/c1 for hosts).
# The ranks' pids, waited for by name: a bare `wait` would wait for the bridge too.
run_local() {
  local port pids=()
  port="$(free_port)"
  for r in 1 0; do
    MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=2 RANK=$r LOCAL_WORLD_SIZE=2 \
      "$bin/sim-train" "${common[@]}" --sync-batch-norm "$1" --threads 1 -o "$tmp/b.sim" 2>"$tmp/b$r.log" &
    pids+=($!)
  done
  wait "${pids[@]}"
}
run_hosts() {
  local pids=()
  for r in 1 0; do
    local ns=simbench-a dev=simbench-a0
    [[ $r == 1 ]] && ns=simbench-b dev=simbench-b0
    ip netns exec "$ns" env MASTER_ADDR=10.77.0.1 MASTER_PORT=29400 WORLD_SIZE=2 RANK=$r LOCAL_WORLD_SIZE=1 \
      GLOO_SOCKET_IFNAME=$dev "$bin/sim-train" "${common[@]}" --sync-batch-norm "$1" --threads 1 -o "$tmp/c.sim" \
      2>"$tmp/c$r.log" &
    pids+=($!)
  done
  wait "${pids[@]}"
}

ratio() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.2f", x / y }'; }
local_ratios=() local_off_ratios=() host_ratios=() host_off_ratios=()
printf '%-6s %10s %15s %15s %10s %15s %15s\n' round "A img/s" "B img/s (x)" "B' img/s (x)" "A img/s" "C img/s (x)" \
  "C' img/s (x)"
for round in $(seq "$rounds"); do
  run_one; a1=$(rate "$tmp/a.log")
  run_local on; b=$(rate "$tmp/b0.log"); b_s=$(collectives "$tmp/b0.log")
  run_local off; b2=$(rate "$tmp/b0.log"); b2_s=$(collectives "$tmp/b0.log")
  run_one; a2=$(rate "$tmp/a.log")
  run_hosts on; c=$(rate "$tmp/c0.log"); c_s=$(collectives "$tmp/c0.log")
  run_hosts off; c2=$(rate "$tmp/c0.log"); c2_s=$(collectives "$tmp/c0.log")
  local_ratios+=("$(ratio "$b" "$a1")") local_off_ratios+=("$(ratio "$b2" "$a1")")
  host_ratios+=("$(ratio "$c" "$a2")") host_off_ratios+=("$(ratio "$c2" "$a2")")
  printf '%-6s %10s %8s (%s) %8s (%s) %10s %8s (%s) %8s (%s)   collectives: B %s s, B'"'"' %s s, C %s s, C'"'"' %s s\n' \
    "$round" "$a1" "$b" "${local_ratios[-1]}" "$b2" "${local_off_ratios[-1]}" "$a2" "$c" "${host_ratios[-1]}" \
    "$c2" "${host_off_ratios[-1]}" "$b_s" "$b2_s" "$c_s" "$c2_s"
done
summary() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { printf "median %.2fx (min %.2fx, max %.2fx)", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
echo "B / A, 2 ranks x 1 thread on loopback vs 1 process x 2 threads: $(summary "${local_ratios[@]}")"
echo "B' / A, the same with --sync-batch-norm off: $(summary "${local_off_ratios[@]}")"
echo "C / A, 2 ranks in namespaces, ${rtt} ms round trip vs 1 process x 2 threads: $(summary "${host_ratios[@]}")"
echo "C' / A, the same with --sync-batch-norm off: $(summary "${host_off_ratios[@]}")"
