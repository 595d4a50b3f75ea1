// LibTorch first: it brings glog, whose CHECK would otherwise replace doctest's (see loss_reference.hpp).
#include <torch/script.h>
#include <torch/torch.h>
// clang-format off
#include <doctest/doctest.h>
// clang-format on

#include "base/error.hpp"
#include "data/train_data.hpp"
#include "fixtures.hpp"
#include "model/model_file.hpp"
#include "temp_dir.hpp"
#include "train/trainer.hpp"

namespace {

// A real TorchScript module, built and saved from C++ (the same file format torch.jit.save
// writes): one learnable linear map from the flattened input to 12 features.
std::string write_backbone(const std::string& dir, std::int64_t inputs) {
  torch::jit::Module m("Backbone");
  m.register_parameter("w", torch::randn({inputs, 12}) * 0.1, false);
  m.define(R"(
    def forward(self, x):
        return torch.relu(torch.matmul(x.flatten(1), self.w))
  )");
  const std::string path = dir + "/backbone.pt";
  m.save(path);
  return path;
}

sim::TrainRequest request(const sim::TrainData& data, const std::string& output, const std::string& backbone) {
  sim::TrainRequest r;
  r.data = &data;
  r.train.backbone = backbone;
  r.train.steps = 3;
  r.train.dim = 8;
  r.threads = 1;
  r.output = output;
  return r;
}

}  // namespace

TEST_CASE("a TorchScript backbone trains under sim's head and travels inside the model file") {
  sim::test::TempDir dir;
  sim::fixtures::write_image_folder(dir.path() + "/data", {"a", "b", "c"}, {6, 6, 6}, 10, 10, 1, 7);
  sim::SplitOptions split;
  split.val_split = 0;
  const sim::TrainData data = sim::open_train_data(dir.path() + "/data", sim::DatasetOptions{}, split, 1);
  const std::string backbone = write_backbone(dir.path(), 100);

  for (bool freeze : {false, true}) {
    CAPTURE(freeze);
    const std::string out = dir.path() + (freeze ? "/frozen.sim" : "/tuned.sim");
    sim::TrainRequest r = request(data, out, backbone);
    r.train.freeze_backbone = freeze;
    sim::train_model(r);
    sim::LoadedModel model = sim::load_model(out);  // runs the self-test, backbone included
    CHECK(model.info.spec.arch == "script");
    CHECK(model.info.spec.script_features == 12);
    const torch::Tensor w = model.net->script().attr("w").toTensor();
    const torch::Tensor original = torch::jit::load(backbone).attr("w").toTensor();
    CHECK(torch::equal(w, original) == freeze);  // frozen: untouched; otherwise trained
  }
}

TEST_CASE("a backbone that is not TorchScript, or cannot read the data, is a FormatError") {
  sim::test::TempDir dir;
  sim::fixtures::write_image_folder(dir.path() + "/data", {"a", "b"}, {4, 4}, 10, 10, 1, 7);
  sim::SplitOptions split;
  split.val_split = 0;
  const sim::TrainData data = sim::open_train_data(dir.path() + "/data", sim::DatasetOptions{}, split, 1);
  sim::fixtures::write_bytes(dir.path() + "/junk.pt", "not a zip archive");
  CHECK_THROWS_WITH_AS(sim::train_model(request(data, dir.path() + "/m.sim", dir.path() + "/junk.pt")),
                       doctest::Contains("junk.pt: not a TorchScript file"), sim::FormatError);
  const std::string wrong = write_backbone(dir.path(), 50);  // expects 50 inputs, the data has 100
  CHECK_THROWS_WITH_AS(sim::train_model(request(data, dir.path() + "/m.sim", wrong)),
                       doctest::Contains("cannot read 1x10x10 image inputs"), sim::FormatError);
  CHECK_THROWS_AS(sim::train_model(request(data, dir.path() + "/m.sim", dir.path() + "/missing.pt")), sim::IoError);
  CHECK_FALSE(std::ifstream(dir.path() + "/m.sim").good());  // nothing written
}
