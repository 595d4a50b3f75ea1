#!/usr/bin/env bash
# Benchmark: sim-train data-parallel (c10d/Gloo) against one process, on Fashion-MNIST with the
# default network and batch, side by side in one run, alternating:
#   A  one process, --threads 2 (all of this 2-core machine)
#   B  2 ranks x --threads 1 on this machine (loopback), --sync-batch-norm on (one process's training)
#   C  2 ranks x --threads 1 in two network namespaces, as two hosts: their link goes through a
#      third namespace whose bridge (delay_bridge.py) holds every frame DELAY_MS each way (the
#      kernel here has no netem). The script creates and removes the namespaces; nothing it
#      sends leaves them.
#   B' and C' as B and C with --sync-batch-norm off (each rank normalises its slice alone: what the
#      default, auto, does at these 80 rows a rank)
#   B" and C" as B' and C' with --split-loss on (each rank computes its own rows' share of the loss)
# Order per round: A B B' B" A C C' C", so that each 2-rank run follows an A; the ratios to that A
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
# sim-train's own account of its time: "N steps in T s, ... (data ..., forward ..., loss ..., ...)".
breakdown() { grep -o '[0-9]* steps in .*' "$1" | tail -1; }

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
# run_local|run_hosts FLAGS...: 2 ranks with FLAGS, logs b0.log/b1.log (c0/c1 for hosts).
# The ranks' pids, waited for by name: a bare `wait` would wait for the bridge too.
run_local() {
  local port pids=()
  port="$(free_port)"
  for r in 1 0; do
    MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=2 RANK=$r LOCAL_WORLD_SIZE=2 \
      "$bin/sim-train" "${common[@]}" "$@" --threads 1 -o "$tmp/b.sim" 2>"$tmp/b$r.log" &
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
      GLOO_SOCKET_IFNAME=$dev "$bin/sim-train" "${common[@]}" "$@" --threads 1 -o "$tmp/c.sim" \
      2>"$tmp/c$r.log" &
    pids+=($!)
  done
  wait "${pids[@]}"
}

ratio() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.2f", x / y }'; }
# The 2-rank settings, and the ratios of each to its round's A, for B... (local) and C... (hosts).
settings=("--sync-batch-norm on" "--sync-batch-norm off" "--sync-batch-norm off --split-loss on")
names=("" "'" '"')
declare -A ratios last  # last: each run's breakdown in the last round
printf '%-6s %10s' round "A img/s"
for n in "${names[@]}"; do printf ' %16s' "B$n img/s (x)"; done
printf ' %10s' "A img/s"
for n in "${names[@]}"; do printf ' %16s' "C$n img/s (x)"; done
echo
for round in $(seq "$rounds"); do
  line="$(printf '%-6s' "$round")" spent=""
  for side in B C; do
    run_one; a=$(rate "$tmp/a.log"); line+="$(printf ' %10s' "$a")" last[A$side]="$(breakdown "$tmp/a.log")"
    for i in "${!settings[@]}"; do
      # shellcheck disable=SC2086  # each setting is a flag and its value, or nothing
      if [[ $side == B ]]; then run_local ${settings[$i]}; log=b0.log; else run_hosts ${settings[$i]}; log=c0.log; fi
      x=$(rate "$tmp/$log") r=$(ratio "$(rate "$tmp/$log")" "$a")
      ratios[$side$i]+="$r " last[$side$i]="$(breakdown "$tmp/$log")"
      line+="$(printf ' %8s (%s)' "$x" "$r")" spent+=" $side${names[$i]} $(collectives "$tmp/$log") s,"
    done
  done
  echo "$line   collectives:${spent%,}"
done
echo "Where the time went in the last round (rank 0's own account):"
for key in AB B0 B1 B2 AC C0 C1 C2; do
  what="A"
  [[ $key != A* ]] && what="${key:0:1}${names[${key:1}]}"
  echo "  $what: ${last[$key]}"
done
summary() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { printf "median %.2fx (min %.2fx, max %.2fx)", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
for i in "${!settings[@]}"; do
  what="${settings[$i]}"
  # shellcheck disable=SC2086
  echo "B${names[$i]} / A, 2 ranks x 1 thread on loopback ($what) vs 1 process x 2 threads: $(summary ${ratios[B$i]})"
  # shellcheck disable=SC2086
  echo "C${names[$i]} / A, 2 ranks in namespaces, ${rtt} ms round trip ($what) vs 1 process x 2 threads: $(summary ${ratios[C$i]})"
done
