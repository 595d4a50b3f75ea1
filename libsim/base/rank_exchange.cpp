#include "base/rank_exchange.hpp"

#include "base/plugin.hpp"

namespace sim {

std::unique_ptr<RankExchange> open_rank_exchange(const LaunchEnv& env, std::chrono::milliseconds timeout) {
  auto open = reinterpret_cast<OpenRankExchangeFn>(plugin_entry(kRankExchangePlugin, kRankExchangeEntry, "of several ranks"));
  return std::unique_ptr<RankExchange>(open(env, timeout));
}

}  // namespace sim
