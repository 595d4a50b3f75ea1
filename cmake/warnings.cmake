# Warnings are on for our own targets and treated as bugs to fix, not to silence.
# Dependencies come from /usr/include, which compilers treat as system headers.
function(sim_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                           -Wnon-virtual-dtor -Woverloaded-virtual)
endfunction()
