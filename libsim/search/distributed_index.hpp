// Several indexes answered as one by the ranks of a job (torchrun, Slurm, Kubernetes: the launch
// environment of base/launch_env.hpp), each rank holding its own shards in memory: sim-query and
// sim-eval under a launcher.
//
// The index paths are dealt out to the ranks in turn (path i to rank i mod WORLD_SIZE), so that a
// machine never reads another's files. Every rank loads its shards; rank 0 gathers their
// metadata (ids, labels, classes, payloads, deletions, calibration: not the vectors, nor stored
// pictures) and joins it as open_index_set would join the same paths in the same order, so the
// union's positions, classes and checks are those of one process given every path. Rank 0 then
// does all the work of the program as usual, over an Index whose search broadcasts each block of
// queries, has every rank search its shards, gathers the top lists and merges them exactly
// (merge_topk); it alone reads the queries and writes the output. The other ranks only serve
// searches until rank 0 says it is done, then exit 0 having written nothing.
//
// Failures: a rank that cannot load its shards reports why to rank 0, which fails naming the file
// (a missing shard on rank 1 is an error of sim-query's, with rank 0's exit status); if rank 0
// fails, it tells the others, which exit 1; a rank that dies or stops answering fails the
// collective in flight (base/rank_exchange.hpp names it) and so every rank.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/rank_exchange.hpp"
#include "search/index.hpp"
#include "search/index_file.hpp"

namespace sim {

class DistributedSearch {
 public:
  // Loads this rank's share of `paths` (HNSW files opened as `graph` says: read or mapped) and, on
  // rank 0, joins every rank's metadata. Throws on rank 0 for what open_index_set would refuse
  // (naming the shard, whichever rank read it).
  DistributedSearch(RankExchange& ranks, const std::vector<std::string>& paths, GraphLoad graph = GraphLoad::Read);
  // On rank 0, unless finish() was called: tells the other ranks that rank 0 failed.
  ~DistributedSearch();
  DistributedSearch(const DistributedSearch&) = delete;
  DistributedSearch& operator=(const DistributedSearch&) = delete;

  bool leader() const { return ranks_.rank() == 0; }
  // Rank 0: the union, its `index` searching on every rank (read-only, as a ShardedIndex).
  IndexArtifact& artifact();
  // Ranks but 0: answers rank 0's searches until it finishes, and returns the exit status rank 0
  // finished with (0, or 3 for a failed quality gate), so the job ends with one status; throws
  // Error naming rank 0 when it failed.
  int serve();
  // Rank 0, after the last search and write: the other ranks may exit, with `status`.
  void finish(int status = 0);

 private:
  struct Local;  // this rank's shards
  void join(const std::vector<std::string>& gathered, std::size_t path_count);
  void tell_failed() noexcept;
  RankExchange& ranks_;
  std::unique_ptr<Local> local_;
  IndexArtifact union_;
  bool finished_ = false;
};

}  // namespace sim
