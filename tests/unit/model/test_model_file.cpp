// LibTorch first: it brings glog, whose CHECK would otherwise replace doctest's (see loss_reference.hpp).
#include <torch/torch.h>
// clang-format off
#include <doctest/doctest.h>
// clang-format on

#include <fstream>
#include <functional>
#include <iterator>

#include "base/error.hpp"
#include "fixtures.hpp"
#include "formats/model_container.hpp"
#include "model/model_file.hpp"
#include "temp_dir.hpp"
#include "test_util.hpp"

using sim::test::slurp;

namespace {

sim::ArchSpec spec() {
  sim::ArchSpec s;
  s.arch = "small_cnn";
  s.input.channels = 1;
  s.input.height = s.input.width = 12;
  s.dim = 8;
  s.mean = {0.3f};
  s.std = {0.2f};
  return s;
}

// A small_cnn model with random weights, saved as DIR/m.sim.
std::string saved_model(const sim::test::TempDir& dir) {
  const std::string path = dir.path() + "/m.sim";
  sim::EmbeddingNet net(spec());
  sim::ModelInfo info;
  info.spec = spec();
  sim::save_model(path, net, info, torch::rand({2, 1, 12, 12}));
  return path;
}

}  // namespace

TEST_CASE("a model round-trips: architecture, classes, weights, self-test") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/m.sim";
  torch::manual_seed(3);
  sim::EmbeddingNet net(spec());
  sim::ModelInfo info;
  info.spec = spec();
  info.classes = {"cat", "dog"};
  info.training = {{"loss", "multi_similarity"}};
  const torch::Tensor inputs = torch::rand({3, 1, 12, 12});
  sim::save_model(path, net, info, inputs, {{"OPTM", "state"}});
  CHECK(info.fingerprint.size() == 16);
  CHECK(sim::looks_like_model(path));

  const sim::LoadedModel loaded = sim::load_model(path);
  CHECK(loaded.info.classes == info.classes);
  CHECK(loaded.info.fingerprint == info.fingerprint);
  CHECK(loaded.info.spec.mean == std::vector<float>{0.3f});
  CHECK(loaded.info.training["loss"] == "multi_similarity");
  CHECK(loaded.extra.at("OPTM") == "state");
  net->eval();
  auto copy = loaded.net;
  CHECK(torch::allclose(copy->forward(inputs), net->forward(inputs)));
}

TEST_CASE("damaged model files are FormatErrors naming the file") {
  sim::test::TempDir dir;
  const std::string path = saved_model(dir);
  const std::string good = slurp(path);

  for (std::size_t keep : {std::size_t(0), std::size_t(5), std::size_t(20), good.size() / 2, good.size() - 1}) {
    CAPTURE(keep);
    const std::string cut = dir.path() + "/cut.sim";
    sim::fixtures::write_bytes(cut, good.substr(0, keep));
    CHECK_THROWS_WITH_AS(sim::load_model(cut), doctest::Contains("cut.sim"), sim::FormatError);
  }

  std::string flipped = good;
  flipped[good.size() / 2] = char(flipped[good.size() / 2] ^ 0x40);
  sim::fixtures::write_bytes(dir.path() + "/flip.sim", flipped);
  CHECK_THROWS_WITH_AS(sim::load_model(dir.path() + "/flip.sim"), doctest::Contains("flip.sim"), sim::FormatError);

  std::string future = good;
  future[8] = 9;  // format version 9
  sim::fixtures::write_bytes(dir.path() + "/future.sim", future);
  CHECK_THROWS_WITH_AS(sim::load_model(dir.path() + "/future.sim"), doctest::Contains("written by a newer sim"),
                       sim::FormatError);

  std::string huge = good;
  for (int i = 0; i < 8; ++i) huge[16 + std::size_t(i)] = char(0xff);  // HEAD length 2^64-1
  sim::fixtures::write_bytes(dir.path() + "/huge.sim", huge);
  CHECK_THROWS_WITH_AS(sim::load_model(dir.path() + "/huge.sim"), doctest::Contains("truncated"), sim::FormatError);

  // Self-test samples that are not a LibTorch (zip) archive are refused before LibTorch reads them:
  // LibTorch 1.13 leaks its zip reader on such bytes, which the sanitized build reports.
  const sim::ModelContainer parts = sim::read_model_container(path);
  const std::string noise(parts.sections.at("SAMP").size(), 'x');
  const std::string zip_start = "PK\x03\x04" + noise;  // a zip's first record, no central directory
  for (const std::string* samples : {&noise, &zip_start}) {
    const std::string file = dir.path() + "/samples.sim";
    sim::fixtures::write_bytes(
        file, sim::build_model_container(
                  {{"HEAD", &parts.sections.at("HEAD")}, {"WGHT", &parts.sections.at("WGHT")}, {"SAMP", samples}}));
    CHECK_THROWS_WITH_AS(sim::load_model(file), doctest::Contains("SAMP"), sim::FormatError);
  }

  sim::fixtures::write_bytes(dir.path() + "/text.sim", "hello");
  CHECK_THROWS_WITH_AS(sim::load_model(dir.path() + "/text.sim"), doctest::Contains("not a sim model"),
                       sim::FormatError);
  CHECK_THROWS_AS(sim::load_model(dir.path() + "/missing.sim"), sim::IoError);
}

TEST_CASE("a header whose dim or channels disagree with the weights is refused, naming the field") {
  sim::test::TempDir dir;
  const sim::ModelContainer parts = sim::read_model_container(saved_model(dir));
  // A CRC-valid file whose HEAD says something else than its weights: edited, not corrupted.
  const auto edited = [&](const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json head = nlohmann::json::parse(parts.sections.at("HEAD"));
    edit(head["architecture"]);
    const std::string text = head.dump();
    const std::string file = dir.path() + "/" + name + ".sim";
    sim::fixtures::write_bytes(
        file, sim::build_model_container(
                  {{"HEAD", &text}, {"WGHT", &parts.sections.at("WGHT")}, {"SAMP", &parts.sections.at("SAMP")}}));
    return file;
  };
  const std::string dim = edited("dim", [](nlohmann::json& a) { a["dim"] = 32; });
  CHECK_THROWS_WITH_AS(sim::load_model(dim), doctest::Contains("dim.sim: WGHT"), sim::FormatError);
  const std::string channels = edited("channels", [](nlohmann::json& a) {
    a["input"]["channels"] = 3;
    a["mean"] = {0.3, 0.3, 0.3};
    a["std"] = {0.2, 0.2, 0.2};
  });
  CHECK_THROWS_WITH_AS(sim::load_model(channels), doctest::Contains("channels.sim: WGHT"), sim::FormatError);
}
