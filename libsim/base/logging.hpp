// Logging on stderr, one line per message, each starting with the program's name, because the
// stderr of several programs in one pipeline ends up mixed: "sim-index: warning: ...".
// stdout is never used for logs; it is reserved for data.
#pragma once

#include <string>

namespace sim {

// verbosity 0: info and above; 1 (-v): debug; 2+ (-vv): trace; -1 (-q): warnings and errors;
// -2 (-qq): errors only. Safe to call again (run_main calls it before and after parsing).
void init_logging(const std::string& program, int verbosity);

}  // namespace sim
