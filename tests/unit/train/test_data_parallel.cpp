// Data-parallel training's parts over a real c10d/Gloo process group on loopback: the ranks are
// threads of this test, each with its own RankGroup, joined through a real TCPStore.
// LibTorch first: it brings glog, whose CHECK would otherwise replace doctest's (see loss_reference.hpp).
#include <torch/torch.h>
// clang-format off
#include <doctest/doctest.h>
// clang-format on

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "data/batch_loader.hpp"
#include "model/sync_batch_norm.hpp"
#include "train/global_batch.hpp"
#include "train/gradient_sync.hpp"
#include "train/losses/loss_implementations.hpp"
#include "train/rank_group.hpp"
#include "train/split_loss.hpp"
#include "train/training_run.hpp"

namespace {

// A port nobody listens on now (the kernel's choice for port 0).
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Runs body(group) on `world` threads, one rank each; returns each rank's error message ("" if
// none). Checks happen on the test's thread, after the ranks are done.
std::vector<std::string> run_ranks(int world, const std::function<void(sim::RankGroup&)>& body,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const std::uint16_t port = free_port();
  std::vector<std::string> errors(static_cast<std::size_t>(world));
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r) {
    threads.emplace_back([&, r] {
      try {
        sim::LaunchEnv env;
        env.rank = r;
        env.world_size = world;
        env.local_world_size = world;
        env.local_rank = r;
        env.master_addr = "127.0.0.1";
        env.master_port = port;
        sim::RankGroup group(env, timeout);
        body(group);
      } catch (const std::exception& e) {
        errors[std::size_t(r)] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  return errors;
}

bool all_ok(const std::vector<std::string>& errors) {
  for (const auto& e : errors) {
    if (!e.empty()) {
      MESSAGE(e);
      return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("ranks sum, take the maximum, broadcast and gather over c10d on loopback") {
  for (int world : {2, 3}) {
    std::vector<std::vector<float>> seen(static_cast<std::size_t>(world));
    std::vector<std::string> bytes(static_cast<std::size_t>(world));
    const auto errors = run_ranks(world, [&](sim::RankGroup& g) {
      auto& out = seen[std::size_t(g.rank())];
      torch::Tensor t = torch::full({3}, float(g.rank() + 1));
      g.sum(t);
      out.push_back(t[0].item<float>());
      torch::Tensor m = torch::tensor({std::int64_t(g.rank() * 10)});
      g.max(m);
      out.push_back(float(m.item<std::int64_t>()));
      std::vector<torch::Tensor> b{torch::full({2}, float(100 + g.rank()))};
      g.broadcast(b);
      out.push_back(b[0][1].item<float>());
      for (const auto& piece : g.all_gather(torch::full({1}, float(g.rank())))) out.push_back(piece.item<float>());
      bytes[std::size_t(g.rank())] = g.broadcast_bytes(g.rank() == 0 ? std::string("rank zero's\0bytes", 17) : "");
      g.barrier();
    });
    REQUIRE(all_ok(errors));
    const float total = float(world * (world + 1) / 2);
    for (int r = 0; r < world; ++r) {
      std::vector<float> expected{total, float((world - 1) * 10), 100.0f};
      for (int k = 0; k < world; ++k) expected.push_back(float(k));
      CHECK(seen[std::size_t(r)] == expected);
      CHECK(bytes[std::size_t(r)] == std::string("rank zero's\0bytes", 17));
    }
  }
}

TEST_CASE("batch norm over two ranks equals one batch norm over the whole batch, forward and backward") {
  for (bool images : {true, false}) {
    torch::manual_seed(3);
    const torch::Tensor x = images ? torch::randn({10, 3, 4, 4}) * 2 + 1 : torch::randn({10, 5}) * 3 - 2;
    const torch::Tensor w = torch::randn_like(x);  // the loss weighs every output differently
    const std::int64_t channels = x.size(1);

    sim::SyncBatchNorm whole(channels, images);
    torch::Tensor xw = x.clone().requires_grad_(true);
    (whole(xw) * w).pow(2).sum().backward();

    // Uneven slices (4 and 6 items), as rank_slice_begin gives them for other batch sizes.
    const std::int64_t split = 4;
    std::vector<torch::Tensor> x_grad(2), weight_grad(2), running_mean(2), running_var(2);
    std::vector<std::size_t> attached(2);
    const auto errors = run_ranks(2, [&](sim::RankGroup& g) {
      const std::size_t r = std::size_t(g.rank());
      sim::SyncBatchNorm bn(channels, images);
      const std::shared_ptr<sim::CrossRankSum> sum(std::shared_ptr<sim::CrossRankSum>{}, &g);
      attached[r] = sim::attach_ranks(*bn, sum);
      const std::int64_t begin = r == 0 ? 0 : split, size = r == 0 ? split : x.size(0) - split;
      torch::Tensor xs = x.narrow(0, begin, size).clone().requires_grad_(true);
      (bn(xs) * w.narrow(0, begin, size)).pow(2).sum().backward();
      x_grad[r] = xs.grad();
      weight_grad[r] = bn->weight.grad();
      running_mean[r] = bn->running_mean.clone();
      running_var[r] = bn->running_var.clone();
    });
    REQUIRE(all_ok(errors));
    CHECK((attached == std::vector<std::size_t>{1, 1}));
    CHECK(torch::allclose(torch::cat({x_grad[0], x_grad[1]}), xw.grad(), 1e-4, 1e-5));
    // Each rank's weight gradient is its part; their sum is the whole batch's.
    CHECK(torch::allclose(weight_grad[0] + weight_grad[1], whole->weight.grad(), 1e-4, 1e-5));
    for (std::size_t r = 0; r < 2; ++r) {
      CHECK(torch::allclose(running_mean[r], whole->running_mean, 1e-5, 1e-6));
      CHECK(torch::allclose(running_var[r], whole->running_var, 1e-5, 1e-6));
    }
  }
}

TEST_CASE("gathered embeddings are the whole batch in order, and backward reaches each rank's own rows") {
  // A batch of 5 items with two views: rows 0-4 view 0, rows 5-9 view 1. Ranks hold items 0-1
  // and 2-4 (rank_slice_begin), each with its two views.
  const std::size_t items = 5;
  torch::manual_seed(5);
  const torch::Tensor e = torch::randn({10, 3});
  const torch::Tensor labels = torch::tensor({0, 0, 1, 1, 2}, torch::kInt64);
  const auto loss_of = [](const torch::Tensor& all) { return torch::mm(all, all.t()).exp().sum().log(); };
  torch::Tensor ew = e.clone().requires_grad_(true);
  loss_of(ew).backward();

  std::vector<torch::Tensor> gathered(2), grads(2), gathered_labels(2);
  std::vector<double> losses(2);
  const auto errors = run_ranks(2, [&](sim::RankGroup& g) {
    const std::size_t r = std::size_t(g.rank());
    const auto begin = std::int64_t(sim::rank_slice_begin(items, g.rank(), 2));
    const auto size = std::int64_t(sim::rank_slice_begin(items, g.rank() + 1, 2)) - begin;
    torch::Tensor local =
        torch::cat({e.narrow(0, begin, size), e.narrow(0, std::int64_t(items) + begin, size)}).requires_grad_(true);
    torch::Tensor all = sim::gather_embeddings(g, local, 2, items);
    gathered[r] = all.detach().clone();
    gathered_labels[r] = sim::gather_labels(g, labels.narrow(0, begin, size).contiguous(), items);
    torch::Tensor loss = loss_of(all);
    losses[r] = loss.item<double>();
    loss.backward();
    grads[r] = local.grad();
  });
  REQUIRE(all_ok(errors));
  for (std::size_t r = 0; r < 2; ++r) {
    CHECK(torch::equal(gathered[r], e));
    CHECK(torch::equal(gathered_labels[r], labels));
    CHECK(losses[r] == doctest::Approx(loss_of(e).item<double>()));
  }
  // Rank 0's rows are items 0-1 of both views, rank 1's items 2-4.
  const torch::Tensor g = ew.grad();
  CHECK(torch::allclose(grads[0], torch::cat({g.narrow(0, 0, 2), g.narrow(0, 5, 2)}), 1e-5, 1e-6));
  CHECK(torch::allclose(grads[1], torch::cat({g.narrow(0, 2, 3), g.narrow(0, 7, 3)}), 1e-5, 1e-6));
}

TEST_CASE("--sync-batch-norm auto synchronises batch norms only when a rank's slice is under 32 rows") {
  CHECK_FALSE(sim::synchronise_batch_norms("auto", 160, 1, 2));  // 80 rows a rank
  CHECK_FALSE(sim::synchronise_batch_norms("auto", 128, 1, 4));  // 32
  CHECK(sim::synchronise_batch_norms("auto", 124, 1, 4));        // 31
  CHECK(sim::synchronise_batch_norms("auto", 160, 1, 8));        // 20
  CHECK_FALSE(sim::synchronise_batch_norms("auto", 160, 2, 8));  // 20 items, two views: 40 rows
  CHECK(sim::synchronise_batch_norms("auto", 33, 1, 2));         // slices of 16 and 17: the smaller counts
  CHECK(sim::synchronise_batch_norms("on", 4096, 1, 2));
  CHECK_FALSE(sim::synchronise_batch_norms("off", 8, 1, 8));
}

TEST_CASE("a split loss gives each rank the whole batch's loss and its own rows' gradient of it") {
  // 7 items; NT-Xent with two views (14 rows), multi-similarity with one view and 3 classes.
  const std::size_t items = 7;
  torch::manual_seed(9);
  const torch::Tensor labels = torch::tensor({0, 1, 2, 0, 1, 2, 0}, torch::kInt64);
  for (int views : {2, 1}) {
    sim::NtXentLoss ntxent(sim::Distance::Cosine, 0.5);
    sim::MultiSimilarityLoss ms(sim::Distance::Cosine, 2.0, 50.0, 0.5, 0.1);
    sim::Loss& loss = views == 2 ? static_cast<sim::Loss&>(ntxent) : ms;
    const torch::Tensor e = torch::randn({std::int64_t(items) * views, 5});
    torch::Tensor ew = e.clone().requires_grad_(true);
    const torch::Tensor whole = loss.forward(ew, labels);
    whole.backward();
    for (int world : {2, 3}) {
      const auto ranks = static_cast<std::size_t>(world);
      std::vector<torch::Tensor> grads(ranks), batches(ranks);
      std::vector<double> values(ranks);
      const auto errors = run_ranks(world, [&](sim::RankGroup& g) {
        const std::size_t r = std::size_t(g.rank());
        const auto begin = std::int64_t(sim::rank_slice_begin(items, g.rank(), world));
        const auto size = std::int64_t(sim::rank_slice_begin(items, g.rank() + 1, world)) - begin;
        std::vector<torch::Tensor> pieces;
        for (int v = 0; v < views; ++v) pieces.push_back(e.narrow(0, v * std::int64_t(items) + begin, size));
        torch::Tensor local = torch::cat(pieces).requires_grad_(true);
        sim::SplitLossStep step = sim::split_loss_step(g, loss, local * 1.0f, labels, views, items);
        values[r] = step.value;
        batches[r] = step.batch;
        (local * 1.0f).backward(step.gradient);
        grads[r] = local.grad();
      });
      REQUIRE(all_ok(errors));
      for (int r = 0; r < world; ++r) {
        CAPTURE(views);
        CAPTURE(world);
        CAPTURE(r);
        CHECK(values[std::size_t(r)] == doctest::Approx(whole.item<double>()).epsilon(1e-5));
        CHECK(torch::equal(batches[std::size_t(r)], e));
        const auto begin = std::int64_t(sim::rank_slice_begin(items, r, world));
        const auto size = std::int64_t(sim::rank_slice_begin(items, r + 1, world)) - begin;
        std::vector<torch::Tensor> own;
        for (int v = 0; v < views; ++v) own.push_back(ew.grad().narrow(0, v * std::int64_t(items) + begin, size));
        CHECK(torch::allclose(grads[std::size_t(r)], torch::cat(own), 1e-5, 1e-6));
      }
    }
  }
}

TEST_CASE("gradient sync sums the network's gradients, takes rank 0's for the loss, and stops on drifted weights") {
  std::vector<torch::Tensor> net_grad(2), loss_grad(2);
  std::vector<std::string> drift(2);
  const auto errors = run_ranks(2, [&](sim::RankGroup& g) {
    const std::size_t r = std::size_t(g.rank());
    torch::Tensor net = torch::ones({4}, torch::requires_grad());
    torch::Tensor proxy = torch::ones({2, 2}, torch::requires_grad());
    (net * float(r + 1)).sum().backward();           // gradient r + 1 everywhere
    (proxy * float(10 * (r + 1))).sum().backward();  // every rank's "whole" proxy gradient
    sim::GradientSync sync(g, {net}, {proxy}, {net, proxy});
    sync.reduce(0);
    net_grad[r] = net.grad().clone();
    loss_grad[r] = proxy.grad().clone();
    sync.check_identical("now");
    {
      torch::NoGradGuard no_grad;
      if (r == 1) net[2] += 1e-7f;  // a last-bit drift
    }
    try {
      sync.check_identical("after the drift");
    } catch (const sim::Error& e) {
      drift[r] = e.what();
    }
    try {
      sync.reduce(7);
    } catch (const sim::Error& e) {
      drift[r] += std::string(" | ") + e.what();
    }
  });
  REQUIRE(all_ok(errors));
  for (std::size_t r = 0; r < 2; ++r) {
    CHECK(torch::equal(net_grad[r], torch::full({4}, 3.0f)));
    CHECK(torch::equal(loss_grad[r], torch::full({2, 2}, 10.0f)));
    CHECK(drift[r].find("differ between ranks after the drift") != std::string::npos);
    CHECK(drift[r].find("differ between ranks after step 6") != std::string::npos);
  }
}

TEST_CASE("a rank whose collective fails names the rank that failed or was lost") {
  // Rank 1 fails on its own and says why; rank 0, in the next collective, names it.
  auto errors = run_ranks(2, [&](sim::RankGroup& g) {
    if (g.rank() == 1) {
      g.report_failure("item 12 is unreadable");
      return;  // leaving closes its connections, as exiting would
    }
    torch::Tensor t = torch::ones({1});
    g.sum(t);
  });
  CHECK(errors[1].empty());
  CHECK(errors[0].find("rank 1 failed: item 12 is unreadable") != std::string::npos);

  // Rank 1 leaves without a word: rank 0 names it as lost.
  errors = run_ranks(2, [&](sim::RankGroup& g) {
    if (g.rank() == 1) return;
    torch::Tensor t = torch::ones({1});
    g.sum(t);
  });
  CHECK(errors[0].find("lost rank 1") != std::string::npos);
}

TEST_CASE("a second job's rank on a taken store is refused, naming MASTER_PORT") {
  std::string second;
  const auto errors = run_ranks(2, [&](sim::RankGroup& g) {
    if (g.rank() == 0) {
      sim::LaunchEnv intruder = g.env();
      intruder.rank = 1;
      try {
        sim::RankGroup extra(intruder, std::chrono::seconds(5));
      } catch (const sim::Error& e) {
        second = e.what();
      }
    }
    g.barrier();
  });
  REQUIRE(all_ok(errors));
  CHECK(second.find("MASTER_PORT") != std::string::npos);
  CHECK(second.find("already has the 2 ranks of another job") != std::string::npos);
}

TEST_CASE(
    "gradient sync overlapped with backward: buckets start from the hooks, two backward passes are summed whole") {
  std::vector<std::vector<torch::Tensor>> got(2);
  const auto errors = run_ranks(2, [&](sim::RankGroup& g) {
    const float r = float(g.rank() + 1);
    // Big enough for several buckets (64k values each); `shared` is used twice in the graph.
    torch::Tensor first = torch::ones({300000}, torch::requires_grad());
    torch::Tensor last = torch::ones({70000}, torch::requires_grad());
    torch::Tensor shared = torch::ones({10}, torch::requires_grad());
    sim::GradientSync sync(g, {first, shared, last}, {}, {first, shared, last});
    for (int step = 0; step < 2; ++step) {
      for (auto* p : {&first, &last, &shared}) {
        if (p->grad().defined()) p->mutable_grad().zero_();
      }
      const torch::Tensor loss =
          (first * r).sum() + (last * (2 * r)).sum() + (shared * r).sum() + (shared * (3 * r)).sum();
      loss.backward();
      // Step 1 accumulates a second backward pass before reducing: the hooks run twice.
      if (step == 1) (shared * (4 * r)).sum().backward();
      sync.reduce(step);
      got[std::size_t(g.rank())].push_back(shared.grad().clone());
    }
    got[std::size_t(g.rank())].push_back(first.grad().clone());
    got[std::size_t(g.rank())].push_back(last.grad().clone());
  });
  REQUIRE(all_ok(errors));
  // r = 1 and 2: shared (1 + 3) + (2 + 6) = 12, with the second pass 12 + 4 + 8 = 24; first
  // 1 + 2, last 2 + 4.
  for (const auto& grads : got) {
    REQUIRE(grads.size() == 4);
    CHECK(torch::equal(grads[0], torch::full({10}, 12.0f)));
    CHECK(torch::equal(grads[1], torch::full({10}, 24.0f)));
    CHECK(torch::equal(grads[2], torch::full({300000}, 3.0f)));
    CHECK(torch::equal(grads[3], torch::full({70000}, 6.0f)));
  }
}
