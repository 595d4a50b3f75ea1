#!/usr/bin/env bash
# A full disk during any write: exit 1 with "disk full" and the file named, never a crash (an
# HDF5 close that failed used to end in SIGSEGV at exit), no temporary or orphan hnswlib file
# left to eat more of the disk, and the previous artifact untouched. Every writing program and
# output flag, on a small tmpfs filled to leave 0 bytes to a few hundred KiB free, so that the
# write fails at its start, in its middle and at its close. Needs root (mount); skipped (exit 77)
# otherwise.
# Usage: full_disk.sh BIN_DIR BAD_DIR   (BAD_DIR from testdata/make_bad_files.py: its good/)
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$1"
good="$(cd "$2" && pwd)/good"
if [[ $(id -u) != 0 ]]; then
  echo "SKIPPED: mounting a small tmpfs needs root" >&2
  exit 77
fi
tmp="$(mktemp -d)"
mnt="$tmp/disk"
mkdir "$mnt"
mount -t tmpfs -o size=2m tmpfs "$mnt" || { echo "SKIPPED: cannot mount a tmpfs here" >&2; exit 77; }
trap 'umount "$mnt"; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"
one=(--threads 1 -q)
cases=0
outcomes=""

# A few thousand items, so that writes take several blocks of the disk.
/usr/bin/python3 "$here/write_embeddings.py" 5 32 big.h5:3000:id || { echo "FAIL: could not write the inputs" >&2; exit 1; }
"$bin/sim-index" -i big.h5 -o big.idx "${one[@]}" || { echo "FAIL: cannot build big.idx" >&2; exit 1; }

# leave BYTES: fills the disk to leave about BYTES free (in 4 KiB blocks).
leave() {
  local room=$(($(stat -f -c '%a*%S' "$mnt") - $1))
  ((room > 0)) && dd if=/dev/zero of="$mnt/filler" bs=4096 count=$((room / 4096)) status=none 2>/dev/null
  return 0
}

# on_full_disk NAME OUTPUT... -- PROGRAM ARGS: runs the program with about 0, 8 KiB, 64 KiB, 256 KiB
# and 1 MiB free; each run exits 0 (it fitted: the outputs must be complete) or 1 saying "disk
# full"; no hidden temporary or unreferenced hnswlib file is left; files that were there before
# (the index of an add) are byte-identical when the run failed.
on_full_disk() {
  local name="$1" free status listing
  shift
  local levels=(0 8192 65536 262144 1048576)
  [[ ${SIM_SANITIZED:-0} == 1 ]] && levels=(0 65536 1048576)  # ASan: at the start, middle and end
  for free in "${levels[@]}"; do
    cases=$((cases + 1))
    rm -rf "${mnt:?}"/* "$mnt"/.[!.]* 2>/dev/null
    [[ -n ${setup:-} ]] && eval "$setup"
    # (INDEX.lock is rewritten by every writer with its pid, by design: not compared)
    (cd "$mnt" && sha256sum -- $(ls -A | grep -v '\.lock$') </dev/null >"$tmp/before.sha" 2>/dev/null)
    leave "$free"
    "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    status=$?
    rm -f "$mnt/filler"
    outcomes+="$name@$free:$status "
    if [[ $status == 1 ]]; then
      grep -qF "disk full" "$tmp/err" || fail "$name with $free bytes free: exit 1 without 'disk full': $(tail -n 2 "$tmp/err")"
      [[ ! -s $tmp/before.sha ]] || (cd "$mnt" && sha256sum --quiet -c "$tmp/before.sha" >/dev/null 2>&1) || fail "$name with $free bytes free changed a file that was there"
    elif [[ $status != 0 ]]; then
      fail "$name with $free bytes free exited $status: $(tail -n 2 "$tmp/err")"
    fi
    listing="$(cd "$mnt" && ls -A)"
    if grep -q '^\.' <<<"$listing"; then fail "$name with $free bytes free left temporaries: $listing"; fi
    if [[ -f $mnt/x.idx ]]; then
      local named
      named="$(/usr/bin/python3 -c 'import h5py; print(h5py.File("'"$mnt"'/x.idx","r").attrs["hnsw_file"])' 2>/dev/null)"
      for f in "$mnt"/x.idx.g*.hnsw; do
        [[ -e $f && $(basename "$f") != "$named" ]] && fail "$name with $free bytes free left an orphan $(basename "$f")"
      done
      [[ $status == 0 ]] && ! "$bin/sim-index" info "$mnt/x.idx" >/dev/null 2>&1 && fail "$name: x.idx is not sound after exit 0"
    elif compgen -G "$mnt/x.idx.g*.hnsw" >/dev/null; then
      fail "$name with $free bytes free left an hnswlib file without its sidecar"
    fi
  done
}

setup=""
on_full_disk "sim-index build" "$bin/sim-index" -i big.h5 -o "$mnt/x.idx" "${one[@]}"
on_full_disk "sim-index build --exact" "$bin/sim-index" -i big.h5 -o "$mnt/x.idx" --exact "${one[@]}"
setup='"$bin/sim-index" -i "$good/embeddings.h5" -o "$mnt/x.idx" -q'
on_full_disk "sim-index add" "$bin/sim-index" add "$mnt/x.idx" -i "$good/embeddings_seed2.h5" --force --replace "${one[@]}"
on_full_disk "sim-eval --write" "$bin/sim-eval" "$mnt/x.idx" -i "$good/embeddings.h5" --write "${one[@]}"
setup=""
on_full_disk "sim-eval --json" "$bin/sim-eval" big.idx -i big.h5 --json "$mnt/e.json" "${one[@]}"
on_full_disk "sim-eval --report" "$bin/sim-eval" big.idx -i big.h5 --report "$mnt/report" "${one[@]}"
on_full_disk "sim-query --grid" "$bin/sim-query" "$good/hnsw.idx" -i "$good/embeddings.h5" --grid "$mnt/g.png" "${one[@]}"
on_full_disk "sim-embed" "$bin/sim-embed" -m "$good/model_images.sim" "$good/data/images" -o "$mnt/e.h5" "${one[@]}"
on_full_disk "sim-embed --format tsv" "$bin/sim-embed" -m "$good/model_images.sim" "$good/data/images" -o "$mnt/e.tsv" --format tsv "${one[@]}"
on_full_disk "sim-train" "$bin/sim-train" "$good/data/vectors.csv" -o "$mnt/m.sim" --epochs 1 "${one[@]}"
# Standard output onto the full disk: the run fails, saying so.
cases=$((cases + 1))
leave 0
"$bin/sim-query" big.idx -i big.h5 "${one[@]}" >"$mnt/answers.tsv" 2>err
status=$?
rm -f "$mnt/filler"
[[ $status == 1 ]] && grep -qF "disk full" err || fail "sim-query >full disk: exit $status: $(tail -n 2 err)"

echo "$cases full-disk cases: $outcomes"
finish
