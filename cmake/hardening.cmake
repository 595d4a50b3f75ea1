# Two opt-in builds that look for memory errors and undefined behaviour in our code (README,
# "Hardening"). Both instrument every target of this project — all of them are our code; the
# Debian libraries we link (LibTorch, HDF5, stb, zlib) stay uninstrumented.

# SIM_SANITIZE: the normal build (gcc, every program and test) under AddressSanitizer and
# UndefinedBehaviorSanitizer. UB aborts instead of printing and carrying on, so a test that hits it
# fails; frame pointers and line tables (-g1) make the reports' stacks readable. LibTorch is not
# instrumented: what it triggers is suppressed narrowly in tests/sanitizers/ (scripts/test-sanitized.sh).
option(SIM_SANITIZE "Build with AddressSanitizer + UndefinedBehaviorSanitizer (scripts/test-sanitized.sh)" OFF)

# SIM_FUZZ: a separate, LibTorch-free configure (clang only) that builds one libFuzzer harness per
# file reader (tests/fuzz/), with the readers instrumented for coverage, ASan and UBSan. No programs,
# no unit tests, no sim_model. Short runs are ctest tests (scripts/test-fuzz.sh, part of
# scripts/test.sh); longer ones are scripts/fuzz.sh.
option(SIM_FUZZ "Build the libFuzzer harnesses only (clang, no LibTorch; scripts/fuzz.sh)" OFF)

if(SIM_SANITIZE AND SIM_FUZZ)
  message(FATAL_ERROR "SIM_FUZZ already instruments with ASan and UBSan: configure one or the other")
endif()

set(SIM_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)

if(SIM_SANITIZE)
  # gcc's -Wmaybe-uninitialized misfires on ASan-instrumented code (its manual says so), here on
  # c10::optional inside LibTorch's headers: off in this build only, on in the normal one.
  # -O1 whatever the build type, as the ASan documentation recommends for usable reports: at -O3
  # gcc's instrumentation nearly doubled the compile time of a LibTorch translation unit (20 -> 37 s
  # CPU). The code whose speed does not matter here is compiled at -O0 (sim_compile_for_build_speed),
  # and the LibTorch side is taken from the normal build (SIM_TORCH_PLUGINS_FROM, libsim/CMakeLists.txt).
  add_compile_options(${SIM_SANITIZER_FLAGS} -O1 -g1 -Wno-maybe-uninitialized)
  add_link_options(-fsanitize=address,undefined)
endif()

# sim_compile_for_build_speed(TARGET...): code whose own speed no test or user waits on — the
# command line (run once per process: CLI11 is header-only and its code is compiled again in every
# file that includes it) and the tests' own code — at -O1 in the normal build, -O0 in the sanitized
# one. A program's main took 10.4 s of CPU at -O3, 6.2 at -O1, 4.6 at -O0; under ASan + UBSan a
# unit at -O0 took about half its -O1 time (sim_core's first unity unit 16 s against 30.5). Not
# for the code where the tests spend their time (the search, hnswlib's graphs, the formats): at
# -O0 everywhere the sanitized tests ran slower than its build saved (the HNSW recall unit test
# 3 -> 26 s, the killed-writer test 61 -> 108 s).
function(sim_compile_for_build_speed)
  if(SIM_SANITIZE)
    set(level -O0)
  elseif(NOT SIM_FUZZ)
    set(level -O1)
  else()
    return()
  endif()
  foreach(target ${ARGN})
    target_compile_options(${target} PRIVATE ${level})
  endforeach()
endfunction()

if(SIM_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SIM_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++-14 "
                        "-DCMAKE_C_COMPILER=clang-14 (Debian packages clang-14, libclang-rt-14-dev)")
  endif()
  # fuzzer-no-link: coverage feedback in our libraries; the harnesses alone link libFuzzer's main
  # (sim_fuzz_harness in tests/fuzz/CMakeLists.txt). -O1 -gline-tables-only whatever the build
  # type (libFuzzer's own recommendation): crash stacks with file and line, and a build that fits
  # in CI next to the gcc ones (measured in docs/benchmarks.md).
  add_compile_options(-fsanitize=fuzzer-no-link ${SIM_SANITIZER_FLAGS} -O1 -gline-tables-only)
  add_link_options(-fsanitize=address,undefined)
endif()
