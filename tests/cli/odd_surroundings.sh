#!/usr/bin/env bash
# Odd files and surroundings: nothing hangs, nothing is lost, every failure is quick and clear.
#   FIFOs and sockets inside a dataset folder, and given as inputs: counted as bad (never opened
#     for a blocking read), within seconds;
#   closed standard descriptors (0, 1, 2): no log line or row ends up in an artifact; output to a
#     closed stdout is an error, not a silent loss;
#   limits: ulimit -v from 200 MB to 1.4 GB (OpenBLAS used to spin forever), ulimit -f and -n;
#   endless input: /dev/zero on every reader of standard input fails at once, and a huge CSV field
#     is not echoed whole;
#   what a later step would refuse (a class folder or CSV label that is not UTF-8, finite values
#     whose distances overflow), the first program that reads it refuses, naming it.
# A run "hangs" when it takes more than 30 s (these take well under 5).
# Usage: odd_surroundings.sh BIN_DIR BAD_DIR   (BAD_DIR from testdata/make_bad_files.py: its good/)
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$1"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp -r "$2/good" "$tmp/g" || exit 1
cd "$tmp/g" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"
one=(--threads 1 -q)
cases=0

# quick STATUS PATTERN PROGRAM ARGS...: expect, and within 30 s.
quick() {
  cases=$((cases + 1))
  local want="$1" pattern="$2" prog="$3"
  shift 3
  expect "$want" "$pattern" timeout 30 "$prog" "$@"
}

# --- FIFOs and sockets ----------------------------------------------------------------------------
mkdir -p odd/images
cp -r data/images/* odd/images/
mkfifo odd/images/circle/fifo.png odd/fifo.h5 odd/fifo.csv odd/fifo.sim odd/fifo.idx
/usr/bin/python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("odd/images/square/socket.png")'
quick 1 "fifo.png: is a FIFO" "$bin/sim-info" odd/images
quick 0 "" "$bin/sim-train" odd/images --dry-run --skip-bad --dry-run-batches 2 "${one[@]}"
quick 0 "" "$bin/sim-embed" -m model_images.sim odd/images -o odd.h5 --skip-bad "${one[@]}"
quick 1 "is a FIFO" "$bin/sim-embed" -m model_images.sim odd/images -o odd.h5 "${one[@]}"
quick 1 "socket.png: is a socket" "$bin/sim-embed" -m model_images.sim odd/images/square/socket.png -o odd.h5 "${one[@]}"
quick 1 "fifo.png: is a FIFO" "$bin/sim-query" hnsw.idx -m model_images.sim odd/images/circle/fifo.png "${one[@]}"
quick 1 "fifo.h5: is a FIFO" "$bin/sim-index" -i odd/fifo.h5 -o odd.idx "${one[@]}"
quick 1 "fifo.h5: is a FIFO" "$bin/sim-eval" hnsw.idx -i odd/fifo.h5 "${one[@]}"
quick 1 "fifo.h5: is a FIFO" "$bin/sim-query" hnsw.idx -i odd/fifo.h5 "${one[@]}"
quick 1 "fifo.idx: is a FIFO" "$bin/sim-query" odd/fifo.idx -i embeddings.h5 "${one[@]}"
quick 1 "fifo.csv: is a FIFO" "$bin/sim-train" odd/fifo.csv -o odd.sim "${one[@]}"
quick 1 "fifo.sim: is a FIFO" "$bin/sim-embed" -m odd/fifo.sim data/images -o odd.h5 "${one[@]}"
quick 1 "fifo.h5: is a FIFO" "$bin/sim-info" odd/fifo.h5
quick 1 "/dev/null: is a character device" "$bin/sim-eval" hnsw.idx -i embeddings.h5 --baseline /dev/null --max-drop 1 "${one[@]}"

# --- Closed standard descriptors ------------------------------------------------------------------
# no_text FILE: the artifact holds none of the programs' log lines.
no_text() {
  if grep -qaE "sim-[a-z]+: (info|warning|debug)|query	rank" "$1"; then fail "$1 holds log or output text"; fi
  "$bin/sim-info" "$1" >/dev/null 2>&1 || fail "$1 is not a sound artifact after a run with closed descriptors"
}
cases=$((cases + 4))
"$bin/sim-index" -i embeddings.h5 -o closed.idx -v 2>&- || fail "sim-index with stderr closed exited $?"
no_text closed.idx
"$bin/sim-embed" -m model_images.sim data/images -o closed.h5 -v 0<&- 1>&- 2>&- || fail "sim-embed with 0, 1, 2 closed exited $?"
no_text closed.h5
"$bin/sim-train" data/vectors.csv -o closed.sim --epochs 1 -v 2>&- || fail "sim-train with stderr closed exited $?"
no_text closed.sim
"$bin/sim-eval" hnsw.idx -i embeddings.h5 --write -v 2>&- >/dev/null || fail "sim-eval --write with stderr closed exited $?"
no_text hnsw.idx
for prog in sim-index sim-query sim-eval sim-embed sim-train sim-info; do
  cases=$((cases + 1))
  "$bin/$prog" --version >&- 2>err && fail "$prog --version >&- exited 0: its output was lost"
  grep -qF "writing to standard output failed: Bad file descriptor" err || fail "$prog --version >&-: $(cat err)"
done
cases=$((cases + 2))
"$bin/sim-query" hnsw.idx -i embeddings.h5 "${one[@]}" >&- 2>err && fail "sim-query >&- exited 0: its answers were lost"
grep -qF "standard output" err || fail "sim-query >&-: $(cat err)"
"$bin/sim-index" -i - -o closed2.idx "${one[@]}" <&- 2>err && fail "sim-index -i - <&- exited 0"
grep -qF "cannot read standard input" err || fail "sim-index -i - <&-: $(cat err)"

# --- Limits ---------------------------------------------------------------------------------------
# Under each address-space limit every program runs, or fails at once saying why: exit 1 with the
# limit named or "out of memory", or the dynamic loader's exit 127 when not even its libraries fit.
limit_runs=""
limits=(200 300 400 500 600 800 1000 1400)
if [[ ${SIM_SANITIZED:-0} == 1 ]]; then
  echo "ulimit -v: skipped under ASan, whose shadow memory needs terabytes of address space" >&2
  limits=()
fi
for mb in "${limits[@]}"; do
  for cmd in "sim-index -i embeddings.h5 -o lim.idx" "sim-eval --reference embeddings.h5 -i embeddings.h5" \
             "sim-query hnsw.idx -i embeddings.h5" "sim-info hnsw.idx" \
             "sim-embed -m model_images.sim data/images -o lim.h5" "sim-train data/vectors.csv -o lim.sim --epochs 1"; do
    cases=$((cases + 1))
    # shellcheck disable=SC2086
    (ulimit -v $((mb * 1024)) && exec timeout 30 "$bin"/$cmd "${one[@]}") >/dev/null 2>err
    status=$?
    limit_runs+="${cmd%% *}@${mb}M:$status "
    case $status in
      0) ;;
      1) grep -qE "address-space limit|out of memory" err || fail "ulimit -v ${mb} MB, $cmd: exit 1: $(head -c 300 err)" ;;
      127) grep -qF "error while loading shared libraries" err || fail "ulimit -v ${mb} MB, $cmd: exit 127: $(head -c 300 err)" ;;
      *) fail "ulimit -v ${mb} MB, $cmd: exit $status (124: hung) $(head -c 300 err)" ;;
    esac
  done
done
echo "ulimit -v: $limit_runs"
cases=$((cases + 2))
(ulimit -f 4 && exec "$bin/sim-index" -i embeddings.h5 -o big_f.idx --exact "${one[@]}") 2>err
status=$?
[[ $status == 1 ]] && grep -qF "File too large" err || fail "ulimit -f: exit $status: $(cat err)"
compgen -G ".big_f*" >/dev/null && fail "ulimit -f left temporaries: $(ls -A | grep big_f)"
(ulimit -n 10 && exec "$bin/sim-embed" -m model_images.sim data/images -o few_fds.h5 "${one[@]}") 2>err
status=$?
[[ $status == 0 || ($status == 1 && $(grep -c "Too many open files" err) -gt 0) ]] || fail "ulimit -n 10: exit $status: $(cat err)"

# --- Endless and huge input -----------------------------------------------------------------------
for args in "sim-index -i - -o zero.idx" "sim-eval hnsw.idx -i -" "sim-query hnsw.idx -i -" "sim-query hnsw.idx --stream" \
            "sim-embed -m model_images.sim - -o zero.h5"; do
  cases=$((cases + 1))
  # shellcheck disable=SC2086
  # (a 2 GB address-space limit: reading all of /dev/zero would hit it within seconds; not under ASan)
  (if [[ ${SIM_SANITIZED:-0} != 1 ]]; then ulimit -v $((2048 * 1024)); fi && exec timeout 30 "$bin"/$args "${one[@]}") \
    </dev/zero >/dev/null 2>err
  status=$?
  [[ $status == 1 ]] || fail "$args </dev/zero: exit $status (124: still reading): $(head -c 300 err)"
done
/usr/bin/python3 -c '
import sys
with open("huge.csv", "w") as f:
    f.write("label,x\n0,1\n1," + "9" * 5_000_000 + "x\n")'
quick 1 "is not a finite number" "$bin/sim-train" huge.csv --dry-run "${one[@]}"
[[ $(wc -c <err) -lt 2000 ]] || fail "a 5 MB CSV field was echoed: the message is $(wc -c <err) bytes"
grep -qF "bytes in all" err || fail "the huge field's message does not say how long it is: $(head -c 300 err)"

# --- What a later step would refuse, the first one refuses ------------------------------------------
mkdir -p latin1/square "latin1/$(printf 'caf\xe9')"
cp data/images/square/* latin1/square/
cp data/images/circle/* "latin1/$(printf 'caf\xe9')/"
quick 1 "not valid UTF-8" "$bin/sim-info" latin1
quick 1 "not valid UTF-8" "$bin/sim-train" latin1 --dry-run "${one[@]}"
quick 1 "not valid UTF-8" "$bin/sim-embed" -m model_images.sim latin1 -o latin1.h5 "${one[@]}"
printf 'label,id,x,y\n%s,a,1,2\nb,b,3,4\n' "$(printf 'caf\xe9')" >latin1.csv
quick 1 "latin1.csv: line 2: column 'label'" "$bin/sim-index" -i latin1.csv -o latin1.idx "${one[@]}"
# Finite values whose distances overflow float: refused naming the item, not answered with inf.
/usr/bin/python3 - <<'PY'
import h5py, numpy as np
with h5py.File("embeddings.h5", "r") as f, h5py.File("huge.h5", "w") as g:
    for name in f:
        g[name] = f[name][()]
    for k, v in f.attrs.items():
        g.attrs[k] = v
    x = f["embeddings"][()]
    x[3] = 1e38
    del g["embeddings"]
    g["embeddings"] = x
PY
quick 1 "huge.h5: embeddings: row 3" "$bin/sim-index" -i huge.h5 -o huge.idx "${one[@]}"
quick 1 "so large that distances overflow" "$bin/sim-query" hnsw.idx -i huge.h5 "${one[@]}"
quick 1 "so large that distances overflow" "$bin/sim-eval" hnsw.idx -i huge.h5 "${one[@]}"

echo "$cases cases"
finish
