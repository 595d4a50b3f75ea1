#!/usr/bin/env bash
# Checks the conventions every sim program shares by running the real binary:
#   --help exits 0, prints to stdout, ends with an example;  --version exits 0 and names LibTorch,
#   hnswlib and HDF5;  an unknown flag or a bad value exits 2 with exactly one line on stderr,
#   nothing on stdout, the program's name in front;  a missing required argument exits 2.
# Usage: conventions.sh PATH/TO/sim-x
set -u
prog="$1"
name="$(basename "$prog")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() { echo "FAIL [$name]: $*" >&2; failures=$((failures + 1)); }

# run ARGS...: sets $status, $out (stdout file), $err (stderr file)
run() {
  "$prog" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  status=$?
  out="$tmp/out"
  err="$tmp/err"
}

expect_status() {
  if [[ $status != "$1" ]]; then fail "'$2' exited $status, expected $1; stderr: $(cat "$err")"; fi
}

run --help
expect_status 0 "--help"
grep -q "^Usage: " "$out" || fail "--help has no usage line on stdout"
tail -n 3 "$out" | grep -q "$name" || fail "--help does not end with an example using $name"
grep -q -- "--threads" "$out" || fail "--help does not list --threads"
[[ -s $err ]] && fail "--help wrote to stderr: $(cat "$err")"

run --version
expect_status 0 "--version"
head -n 1 "$out" | grep -Eq "^$name [0-9]+\.[0-9]+\.[0-9]+$" || fail "--version first line: $(head -n 1 "$out")"
for component in LibTorch hnswlib HDF5; do
  grep -q "^  $component " "$out" || fail "--version does not mention $component"
done
# The programs that run models load LibTorch as a plugin (libsim_torch.so): its version proves it loads.
if [[ $name == sim-train || $name == sim-embed || $name == sim-info ]]; then
  grep -Eq "^  LibTorch [0-9]+\.[0-9]+" "$out" || fail "--version: no LibTorch version: $(grep LibTorch "$out")"
fi

for bad in "--no-such-flag" "--threads=many" "--seed=-x"; do
  run "$bad"
  expect_status 2 "$bad"
  [[ $(wc -l <"$err") == 1 ]] || fail "'$bad': expected one line on stderr, got: $(cat "$err")"
  grep -q "^$name: " "$err" || fail "'$bad': stderr does not start with '$name: ': $(cat "$err")"
  [[ -s $out ]] && fail "'$bad' wrote to stdout"
done
run --no-such-flag
grep -q -- "--no-such-flag" "$err" || fail "an unknown flag is not named in the message: $(cat "$err")"

# A failed write to stdout is an error, not a silently truncated result (/dev/full: ENOSPC).
"$prog" --help >/dev/full 2>"$tmp/err"
status=$?
err="$tmp/err"
expect_status 1 "--help >/dev/full"
grep -q "standard output" "$err" || fail "a failed stdout write is not reported: $(cat "$err")"

run  # no arguments: every program has at least one required argument
expect_status 2 "(no arguments)"
grep -q "required" "$err" || fail "no arguments: message does not say what is required: $(cat "$err")"

if [[ $failures -gt 0 ]]; then exit 1; fi
echo "ok: $name conventions"
