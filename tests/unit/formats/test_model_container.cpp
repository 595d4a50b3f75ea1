#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "base/error.hpp"
#include "formats/model_container.hpp"
#include "test_util.hpp"

namespace {

// A container as save_model writes one, with stand-in section bytes (the container does not look
// inside WGHT or SAMP; model tests cover real weights).
std::string container(const std::string& weights = "weights", const std::string& fingerprint = "") {
  const std::string samples = "samples";
  const std::string head =
      nlohmann::json{{"type", "sim-model"},
                     {"architecture", {{"arch", "mlp"}, {"dim", 8}}},
                     {"classes", {"cat", "dog"}},
                     {"fingerprint", fingerprint.empty() ? sim::model_fingerprint(weights, "") : fingerprint}}
          .dump();
  return sim::build_model_container({{"HEAD", &head}, {"WGHT", &weights}, {"SAMP", &samples}});
}

// Sets the little-endian u32/u64 at `at`.
void poke(std::string& bytes, std::size_t at, std::uint64_t value, int width) {
  for (int i = 0; i < width; ++i) bytes[at + std::size_t(i)] = char((value >> (8 * i)) & 0xff);
}

}  // namespace

TEST_CASE("a model container round-trips its sections, classes and fingerprint") {
  const sim::ModelContainer m = sim::parse_model_container(container(), "m.sim");
  CHECK(m.version == sim::kModelFormatVersion);
  CHECK(m.sections.at("WGHT") == "weights");
  CHECK(m.sections.at("SAMP") == "samples");
  CHECK(m.sections.count("END ") == 0);
  CHECK(m.classes == std::vector<std::string>{"cat", "dog"});
  CHECK(m.fingerprint == sim::model_fingerprint("weights", ""));
  CHECK(m.head.at("architecture").at("dim") == 8);
}

TEST_CASE("the fingerprint changes with the weights and with the backbone") {
  CHECK(sim::model_fingerprint("a", "") != sim::model_fingerprint("b", ""));
  CHECK(sim::model_fingerprint("a", "") != sim::model_fingerprint("a", "script"));
  CHECK(sim::model_fingerprint("a", "").size() == 16);
}

TEST_CASE("a model cut short at any byte is a FormatError naming the file, never a crash") {
  const std::string good = container();
  for (std::size_t keep = 0; keep < good.size(); ++keep) {
    CAPTURE(keep);
    const std::string message =
        sim::test::error_of([&] { sim::parse_model_container(good.substr(0, keep), "cut.sim"); });
    CHECK(message.rfind("cut.sim: ", 0) == 0);
  }
}

TEST_CASE("damaged model containers say what is wrong") {
  const std::string good = container();
  const auto error = [](const std::string& bytes) {
    return sim::test::error_of([&] { sim::parse_model_container(bytes, "m.sim"); });
  };
  std::string magic = good;
  magic[0] = 'X';
  CHECK(error(magic) == "m.sim: not a sim model file (no SIMMODEL magic)");

  std::string newer = good;
  poke(newer, 8, sim::kModelFormatVersion + 1, 4);
  CHECK(error(newer).find("m.sim: version: written by a newer sim") == 0);

  // A section claiming 2^60 bytes is refused by comparing with the file size, before any copy.
  std::string absurd = good;
  poke(absurd, 12 + 4, std::uint64_t(1) << 60, 8);
  CHECK(error(absurd).find("m.sim: HEAD: truncated: section of 1152921504606846976 bytes") == 0);

  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x20;
  CHECK(error(flipped).find("checksum mismatch") != std::string::npos);

  CHECK(error(good + "x").find("m.sim: ") == 0);
  CHECK(error(container("weights", "0000000000000000")) == "m.sim: fingerprint: does not match the weights");
}

TEST_CASE("a model container needs HEAD, WGHT and SAMP, each once, and a sim-model HEAD") {
  const std::string head = R"({"type":"sim-model","architecture":{},"classes":[],"fingerprint":"x"})";
  const std::string other_head = R"({"type":"something-else"})";
  const std::string bytes = "b";
  const auto error = [](const std::vector<std::pair<std::string, const std::string*>>& sections) {
    return sim::test::error_of([&] { sim::parse_model_container(sim::build_model_container(sections), "m.sim"); });
  };
  CHECK(error({{"HEAD", &head}, {"SAMP", &bytes}}) == "m.sim: WGHT: section is missing");
  CHECK(error({{"HEAD", &head}, {"WGHT", &bytes}, {"WGHT", &bytes}, {"SAMP", &bytes}}) ==
        "m.sim: WGHT: section appears twice");
  CHECK(error({{"HEAD", &other_head}, {"WGHT", &bytes}, {"SAMP", &bytes}}) == "m.sim: HEAD.type: not a sim model");
  const std::string not_json = "{";
  CHECK(error({{"HEAD", &not_json}, {"WGHT", &bytes}, {"SAMP", &bytes}}).find("m.sim: HEAD: malformed") == 0);
}
