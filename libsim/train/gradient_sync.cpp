#include "train/gradient_sync.hpp"

#include <cstring>
#include <string>

#include "base/error.hpp"
#include "train/rank_group.hpp"

namespace sim {
namespace {

// The fingerprint travels as 8 floats, one per byte: a sum of up to 2^16 ranks' bytes stays an
// exact float integer, so equal fingerprints sum to exactly W times this rank's.
constexpr std::int64_t kFingerprintValues = 8;
// About 256 KB of gradients per all-reduce: large enough that Gloo's per-call cost is small beside
// the bytes, small enough that the network's first layers are not left waiting for its last.
constexpr std::int64_t kBucketValues = 64 * 1024;

void write_fingerprint(std::uint64_t fp, float* out) {
  for (std::int64_t i = 0; i < kFingerprintValues; ++i) out[i] = float((fp >> (8 * i)) & 0xFF);
}

[[noreturn]] void throw_drift(const std::string& when) {
  throw Error("", "weights",
              "differ between ranks " + when +
                  "; data-parallel ranks must stay bit-identical (each rank must run the same sim-train build with "
                  "the same flags and data)");
}

}  // namespace

GradientSync::GradientSync(RankGroup& ranks, std::vector<torch::Tensor> net_params,
                           std::vector<torch::Tensor> loss_params, std::vector<torch::Tensor> state,
                           std::vector<torch::Tensor> rank0_buffers)
    : ranks_(ranks), state_(std::move(state)), rank0_buffers_(std::move(rank0_buffers)) {
  state_.insert(state_.end(), rank0_buffers_.begin(), rank0_buffers_.end());
  // Backward's order: the loss's parameters first, then the network from its last layer back.
  for (const auto& p : loss_params) slots_.push_back({p, 0, 0, ranks_.rank() != 0});
  for (auto it = net_params.rbegin(); it != net_params.rend(); ++it) slots_.push_back({*it, 0, 0, false});
  for (Slot& slot : slots_) {
    if (buckets_.empty() || buckets_.back().size >= kBucketValues) buckets_.push_back({grad_values_, 0});
    slot.offset = grad_values_;
    slot.bucket = buckets_.size() - 1;
    buckets_.back().size += slot.param.numel();
    grad_values_ += slot.param.numel();
  }
  flat_ = torch::zeros({grad_values_ + kFingerprintValues}, torch::kFloat32);
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    slots_[i].hook = slots_[i].param.register_hook([this, i](const torch::Tensor& grad) {
      Slot& slot = slots_[i];
      if (slot.filled) {
        twice_ = true;  // a second gradient before reduce(): it sums again
        return;
      }
      fill(slot, &grad);
      Bucket& bucket = buckets_[slot.bucket];
      if (--bucket.waiting == 0 && !twice_) start(bucket);
    });
  }
  for (const Slot& slot : slots_) ++buckets_[slot.bucket].waiting;
}

GradientSync::~GradientSync() {
  for (Slot& slot : slots_) slot.param.remove_hook(slot.hook);
}

std::uint64_t GradientSync::fingerprint() const {
  // 64-bit FNV-1a over whole words, a word at a time: about 1 ms for a few million weights.
  std::uint64_t h = 1469598103934665603ULL;
  for (const auto& t : state_) {
    const torch::Tensor c = t.contiguous();
    const auto* bytes = static_cast<const unsigned char*>(c.data_ptr());
    const std::size_t n = std::size_t(c.numel()) * c.element_size();
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, bytes + i, 8);
      h = (h ^ w) * 1099511628211ULL;
    }
    for (; i < n; ++i) h = (h ^ bytes[i]) * 1099511628211ULL;
  }
  return h;
}

void GradientSync::fill(Slot& slot, const torch::Tensor* grad) {
  torch::NoGradGuard no_grad;
  torch::Tensor place = flat_.narrow(0, slot.offset, slot.param.numel());
  if (slot.zeros || !grad || !grad->defined()) {
    place.zero_();
  } else {
    place.copy_(grad->reshape({-1}));
  }
  slot.filled = true;
}

void GradientSync::start(Bucket& bucket) {
  if (!fingerprint_started_) {
    // The weights do not change during backward: hash them now, while the bucket's sum runs.
    write_fingerprint(fingerprint(), fingerprint_);
    torch::Tensor place = flat_.narrow(0, grad_values_, kFingerprintValues);
    std::memcpy(place.data_ptr<float>(), fingerprint_, sizeof fingerprint_);
    ranks_.start_sum(place);
    fingerprint_started_ = true;
  }
  torch::Tensor place = flat_.narrow(0, bucket.offset, bucket.size);
  ranks_.start_sum(place);
  bucket.started = true;
}

void GradientSync::reduce(std::int64_t step) {
  if (twice_) {
    // A parameter took two gradients since the last reduce (two backward passes): the buckets
    // started hold only its first. Let them finish, then sum the accumulated gradients again.
    ranks_.wait_sums();
    for (Bucket& bucket : buckets_) bucket.started = false;
    fingerprint_started_ = false;
    for (Slot& slot : slots_) slot.filled = false;
    twice_ = false;
  }
  // Parameters whose hook did not run (no gradient this step, or a backward before this object
  // existed) are taken as they are; then every bucket not yet started starts.
  for (Slot& slot : slots_) {
    if (!slot.filled) fill(slot, slot.param.grad().defined() ? &slot.param.grad() : nullptr);
  }
  for (Bucket& bucket : buckets_) {
    if (!bucket.started) start(bucket);
  }
  ranks_.wait_sums();

  const float* sums = flat_.data_ptr<float>() + grad_values_;
  for (std::int64_t i = 0; i < kFingerprintValues; ++i) {
    if (sums[i] != fingerprint_[i] * float(ranks_.size())) {
      throw_drift(step == 0 ? "at the start" : "after step " + std::to_string(step - 1));
    }
  }
  torch::NoGradGuard no_grad;
  for (Slot& slot : slots_) {
    const torch::Tensor sum = flat_.narrow(0, slot.offset, slot.param.numel()).view(slot.param.sizes());
    if (slot.param.grad().defined()) {
      slot.param.mutable_grad().copy_(sum);
    } else {
      slot.param.mutable_grad() = sum.clone();
    }
    slot.filled = false;
  }
  for (Bucket& bucket : buckets_) {
    bucket.started = false;
    bucket.waiting = 0;
  }
  for (const Slot& slot : slots_) ++buckets_[slot.bucket].waiting;
  fingerprint_started_ = false;
}

void GradientSync::share_buffers() {
  if (rank0_buffers_.empty()) return;
  torch::NoGradGuard no_grad;
  ranks_.broadcast(rank0_buffers_);
}

void GradientSync::check_identical(const std::string& when) {
  const std::uint64_t fp = fingerprint();
  // The largest and the smallest over ranks, in one all-reduce: max(fp) and max(-fp) as 63-bit
  // halves would lose a bit, so both halves of the 64 bits travel separately.
  const auto hi = std::int64_t(fp >> 32), lo = std::int64_t(fp & 0xFFFFFFFFULL);
  torch::Tensor t = torch::tensor({hi, -hi, lo, -lo}, torch::kInt64);
  ranks_.max(t);
  const std::int64_t* v = t.data_ptr<std::int64_t>();
  if (v[0] != -v[1] || v[2] != -v[3]) throw_drift(when);
}

}  // namespace sim
