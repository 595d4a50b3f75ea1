# Shared helpers for the CLI test scripts (source it after cd-ing into a scratch directory).
#   fail MESSAGE...                      counts a failure and prints it
#   expect STATUS PATTERN PROGRAM ARGS... runs PROGRAM ARGS (stdin /dev/null); checks the exit status,
#                                        and that stdout (success) or stderr (failure) contains the
#                                        fixed string PATTERN (skipped when empty). Output in out/err.
#   finish                               exits 1 if anything failed, else 0
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

expect() {
  local want="$1" pattern="$2" prog="$3"
  shift 3
  "$prog" "$@" >out 2>err </dev/null
  local status=$?
  local name
  name="$(basename "$prog")"
  if [[ $status != "$want" ]]; then
    fail "$name $* exited $status, expected $want; stderr: $(tail -n 3 err)"
    return
  fi
  local where=out
  [[ $want != 0 ]] && where=err
  [[ -z $pattern ]] || grep -qF -- "$pattern" "$where" || fail "$name $*: no '$pattern' in: $(head -c 600 "$where")"
}

finish() {
  if [[ $failures -gt 0 ]]; then
    echo "$failures failure(s)" >&2
    exit 1
  fi
  echo "all passed"
}
