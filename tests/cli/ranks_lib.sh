# Helpers for the tests that start sim-train ranks, by torchrun or by hand (sourced after lib.sh;
# they need $bin).
# `world` is the number of ranks by_hand starts and same_fingerprints expects (default 2).
world=2

free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# torchrun_train NPROC LOG ARGS...: Debian's torchrun takes underscore flags only, and crashes with
# its own output redirects unless -r 1 -t 1 (docs/distributed.md). torchrun_flags: more of its own.
torchrun_flags=()
torchrun_train() {
  local nproc="$1" log="$2"
  shift 2
  torchrun --nnodes=1 --nproc_per_node="$nproc" -r 1 -t 1 --master_port "$(free_port)" "${torchrun_flags[@]}" \
    --no_python "$bin/sim-train" "$@" >/dev/null 2>"$log"
}

# by_hand PORT RANK ARGS...: one rank of $world, as a Slurm or Kubernetes recipe starts it. It
# execs, so that `by_hand ... &` gives $! of sim-train itself (to kill); in the foreground, run it
# in ( ).
by_hand() {
  local port="$1" rank="$2"
  shift 2
  MASTER_ADDR=127.0.0.1 MASTER_PORT="$port" WORLD_SIZE="$world" RANK="$rank" LOCAL_WORLD_SIZE="$world" \
    exec "$bin/sim-train" "$@"
}

# same_fingerprints LOG...: every one of the $world ranks logged the same final weights fingerprint.
same_fingerprints() {
  local prints
  prints="$(cat "$@" | grep -o 'weights fingerprint [0-9a-f]*' | sort | uniq -c)"
  [[ $(grep -c . <<<"$prints") == 1 && $(awk '{print $1}' <<<"$prints") == "$world" ]] ||
    fail "ranks ended with different (or missing) weights: $prints"
}
