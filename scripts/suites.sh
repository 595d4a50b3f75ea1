# The three test suites, each in its own build folder: how each is configured, built and run.
# Sourced (after setting `root`, the repository) by scripts/test.sh, which runs and times all three,
# and by test-sanitized.sh, test-fuzz.sh and fuzz.sh, which run one.
#   normal     build/       gcc Release: every unit and CLI test
#   sanitized  build-asan/  gcc, ASan + UBSan: the same tests but the LibTorch side's unit tests,
#                           with the normal build's LibTorch plugins (cmake/hardening.cmake)
#   fuzz       build-fuzz/  clang-14, libFuzzer: the file readers' harnesses, short runs
#
#   suite_dir NAME          its build folder (SIM_BUILD_DIR, SIM_ASAN_BUILD_DIR, SIM_FUZZ_BUILD_DIR)
#   suite_build NAME        configures the folder (the first time, and when its flags here change),
#                           then builds it (SIM_JOBS, default 2); sanitized builds normal's plugins first
#   suite_ctest NAME ARGS   runs its ctest with ARGS (with the sanitizers' settings for the
#                           sanitized suite); the output also goes to FOLDER/Testing/ctest.log
#
# SIM_BUILD_TYPE (default Release) is the normal suite's build type.

suite_dir() {
  case "$1" in
    normal) echo "${SIM_BUILD_DIR:-$root/build}" ;;
    sanitized) echo "${SIM_ASAN_BUILD_DIR:-$root/build-asan}" ;;
    fuzz) echo "${SIM_FUZZ_BUILD_DIR:-$root/build-fuzz}" ;;
    *) echo "suites.sh: no suite '$1'" >&2; return 2 ;;
  esac
}

suite_configure_flags() {
  case "$1" in
    normal) echo "-DCMAKE_BUILD_TYPE=${SIM_BUILD_TYPE:-Release}" ;;
    # The LibTorch side comes from the normal build (libsim/CMakeLists.txt, SIM_TORCH_PLUGINS_FROM).
    sanitized) echo "-DCMAKE_BUILD_TYPE=Release -DSIM_SANITIZE=ON -DSIM_TORCH_PLUGINS_FROM=$(suite_dir normal)/tools" ;;
    fuzz) echo "-DSIM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14" ;;
  esac
}

# suite_build NAME [TARGET...]: only those targets when given (the main job builds the programs).
suite_build() {
  local name="$1" dir
  shift
  dir="$(suite_dir "$name")" || return
  if [[ $name == sanitized ]]; then
    suite_build normal sim_torch sim_ranks || return  # the plugins it takes from there
  fi
  # Configured the first time, and again when this file's flags for it change.
  local flags
  flags="$(suite_configure_flags "$name")"
  if [[ ! -f $dir/CMakeCache.txt || $(cat "$dir/.suite-flags" 2>/dev/null) != "$flags" ]]; then
    # shellcheck disable=SC2086  # the flags are words
    cmake -S "$root" -B "$dir" $flags || return
    echo "$flags" >"$dir/.suite-flags"
  fi
  local targets=()
  if [[ $# -gt 0 ]]; then targets=(--target "$@"); fi
  cmake --build "$dir" -j "${SIM_JOBS:-2}" "${targets[@]}"
}

# The sanitizers' run-time settings for the sanitized suite (the fuzz harnesses set their own in
# tests/fuzz/run_harness.sh).
suite_environment() {
  [[ $1 == sanitized ]] || return 0
  # detect_leaks: on, with the library leaks we cannot fix suppressed one by one (lsan.supp says
  # why). halt_on_error: the first report fails the test that triggered it, with exit status 86:
  # the CLI tests expect 1 from a program refusing a bad file, which is also the sanitizers'
  # default status and would let a report pass for the expected refusal.
  # intercept_tls_get_addr=0: gcc 12's runtime (as LLVM's up to 16) takes some dynamic TLS blocks
  # for glibc 2.19's, reads a bogus range from before them, and its leak check then dies ("Tracer
  # caught signal 11", exit 86 with no report) in programs that dlopen LibTorch (libsim_torch.so);
  # without the interception, dynamic TLS is not scanned for pointers, which can only add
  # reports, never hide one (google/sanitizers issue 1322).
  # LibTorch is not instrumented: a program that loads it reserves its own memory pools, so
  # ASan's container-overflow checks on vectors that cross into it could misfire; no such report
  # has been seen, so none is suppressed.
  export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:exitcode=86:strict_string_checks=1:intercept_tls_get_addr=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=86${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
  export LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
}

suite_ctest() {
  local name="$1" dir
  shift
  dir="$(suite_dir "$name")" || return
  mkdir -p "$dir/Testing"
  (
    suite_environment "$name"
    ctest --test-dir "$dir" --output-on-failure -j "${SIM_JOBS:-2}" "$@"
  ) 2>&1 | tee "$dir/Testing/ctest.log"
  return "${PIPESTATUS[0]}"
}
