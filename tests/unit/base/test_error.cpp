#include <doctest/doctest.h>

#include <cerrno>

#include "base/error.hpp"

TEST_CASE("errors name their file and field and map to exit codes") {
  const sim::FormatError format("emb.h5", "embeddings", "expected float32, got int32");
  CHECK(std::string(format.what()) == "emb.h5: embeddings: expected float32, got int32");
  CHECK(format.file() == "emb.h5");
  CHECK(format.field() == "embeddings");
  CHECK(format.exit_code() == sim::kExitRuntime);

  const sim::UsageError usage("must be positive", "-k");
  CHECK(std::string(usage.what()) == "-k: must be positive");
  CHECK(usage.exit_code() == sim::kExitUsage);

  const sim::GateError gate("precision@1", "0.80 < 0.90");
  CHECK(gate.exit_code() == sim::kExitGate);

  const sim::IoError io = sim::io_error("model.sim", "cannot open", ENOENT);
  CHECK(std::string(io.what()) == "model.sim: cannot open: No such file or directory");
  CHECK(io.exit_code() == sim::kExitRuntime);
}

TEST_CASE("a typed error is caught as its base") {
  try {
    throw sim::FormatError("x.idx", "", "truncated");
  } catch (const sim::Error& e) {
    CHECK(std::string(e.what()) == "x.idx: truncated");
  }
}
