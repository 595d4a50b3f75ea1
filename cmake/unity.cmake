# Unity builds for the targets that are slow to compile. A LibTorch translation unit spends ~12 of
# its ~20 s of CPU parsing LibTorch's headers; joining a target's files into a few translation
# units pays that once per batch instead of once per file (the same holds, smaller, for CLI11,
# spdlog and doctest). Measured in docs/benchmarks.md.
#
# Files in one batch share a translation unit, so their file-local (anonymous-namespace) names must
# not collide: give helpers names that say what they do. sim_search and test_search stay one unit
# per file: their files repeat short local names (kDim, sample, shown) and cost little.
# -DSIM_UNITY=OFF compiles every file on its own, which also checks that each includes what it uses.
option(SIM_UNITY "Compile sim_core, sim_eval, sim_model and their unit tests as unity builds" ON)

# sim_unity_build(TARGET BATCHES): compile TARGET's sources as BATCHES translation units. Two keep
# both cores of the CI machines busy (the Makefile generator builds a target's objects in parallel
# but waits for the targets it links first).
function(sim_unity_build target batches)
  if(NOT SIM_UNITY)
    return()
  endif()
  get_target_property(sources ${target} SOURCES)
  list(LENGTH sources count)
  math(EXPR size "(${count} + ${batches} - 1) / ${batches}")
  set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${size})
endfunction()
