#include "base/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace sim {

void init_logging(const std::string& program, int verbosity) {
  auto logger = spdlog::get(program);
  if (!logger) {
    // stderr_color_sink colours the level only when stderr is a terminal.
    logger = spdlog::stderr_color_mt(program);
    logger->set_pattern("%n: %^%l%$: %v");
    spdlog::set_default_logger(logger);
  }
  spdlog::level::level_enum level = spdlog::level::info;
  if (verbosity >= 2) {
    level = spdlog::level::trace;
  } else if (verbosity == 1) {
    level = spdlog::level::debug;
  } else if (verbosity == -1) {
    level = spdlog::level::warn;
  } else if (verbosity <= -2) {
    level = spdlog::level::err;
  }
  logger->set_level(level);
}

}  // namespace sim
