// augment(): the options checked, the presets, and the steps drawn in their fixed order. The steps
// themselves are augment_geometry.cpp and augment_colour.cpp.
#include "data/augment.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "base/error.hpp"

namespace sim {
namespace {

// A value as a user would type it: 0.9, not std::to_string's 0.900000.
std::string shown(float value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", double(value));
  return text;
}

void check_amount(float value, const char* flag) {
  // !(value >= 0) also catches NaN, which every comparison would otherwise let through.
  if (!(value >= 0.f) || !std::isfinite(value)) {
    throw UsageError("must be a finite number >= 0, not " + shown(value), flag);
  }
}

void check_probability(float value, const char* flag) {
  if (!(value >= 0.f && value <= 1.f)) {
    throw UsageError("must be a probability from 0 to 1, not " + shown(value), flag);
  }
}

// MIN,MAX with 0 < MIN <= MAX (<= upper when given): the crop's scales and ratios, the blur's sigmas.
void check_range(float lo, float hi, float upper, const char* flag) {
  const bool ok = std::isfinite(lo) && std::isfinite(hi) && lo > 0.f && lo <= hi && hi <= upper;
  if (!ok) {
    const std::string bound = std::isinf(upper) ? "" : " <= " + shown(upper);
    throw UsageError("must be MIN,MAX with 0 < MIN <= MAX" + bound + ", not " + shown(lo) + "," + shown(hi), flag);
  }
}

// c × h × w as a count, or Error for a shape that cannot be an image.
std::size_t image_size(int channels, int height, int width) {
  if (channels < 1 || height < 1 || width < 1) {
    throw Error("", "image",
                "shape " + std::to_string(channels) + "x" + std::to_string(height) + "x" + std::to_string(width) +
                    " (channels x height x width) must be positive");
  }
  return std::size_t(channels) * std::size_t(height) * std::size_t(width);
}

// Whether a step with probability p happens: 1 always and 0 never, without a draw, so that the
// default (jitter always on) draws what it drew before the probability existed.
bool happens(Rng& rng, float p) {
  if (p >= 1.f) return true;
  if (p <= 0.f) return false;
  return rng.uniform01() < double(p);
}

// A factor uniform in [max(0, 1 - amount), 1 + amount]: contrast's and saturation's, as
// torchvision's ColorJitter draws them.
float draw_factor(Rng& rng, float amount) {
  return float(rng.uniform(std::max(0.0, 1.0 - double(amount)), 1.0 + double(amount)));
}

// The colour jitter: the enabled ones of brightness, contrast, saturation and hue in a random
// order, as torchvision's ColorJitter (a fixed order would always, say, desaturate after the
// contrast change, a correlation the views would share).
void colour_jitter(const AugmentOptions& config, float* image, int channels, int height, int width, Rng& rng) {
  enum Step { kBrightness, kContrast, kSaturation, kHue };
  Step order[4];
  int steps = 0;
  if (config.brightness > 0.f) order[steps++] = kBrightness;
  if (config.contrast > 0.f) order[steps++] = kContrast;
  if (config.saturation > 0.f) order[steps++] = kSaturation;
  if (config.hue > 0.f) order[steps++] = kHue;
  for (int i = steps; i > 1; --i) std::swap(order[i - 1], order[rng.below(std::uint64_t(i))]);  // Fisher-Yates
  // The amounts in a fixed order whatever the order of application, as torchvision draws them.
  float amount[4] = {0.f, 1.f, 1.f, 0.f};
  if (config.brightness > 0.f) amount[kBrightness] = float(rng.uniform(-config.brightness, config.brightness));
  if (config.contrast > 0.f) amount[kContrast] = draw_factor(rng, config.contrast);
  if (config.saturation > 0.f) amount[kSaturation] = draw_factor(rng, config.saturation);
  if (config.hue > 0.f) amount[kHue] = float(rng.uniform(-config.hue, config.hue));
  for (int i = 0; i < steps; ++i) {
    switch (order[i]) {
      case kBrightness:
        adjust_brightness(image, std::size_t(channels) * std::size_t(height) * std::size_t(width), amount[kBrightness]);
        break;
      case kContrast:
        adjust_contrast(image, channels, height, width, amount[kContrast]);
        break;
      case kSaturation:
        adjust_saturation(image, channels, height, width, amount[kSaturation]);
        break;
      case kHue:
        adjust_hue(image, channels, height, width, amount[kHue]);
        break;
    }
  }
}

}  // namespace

void AugmentOptions::validate() const {
  if (pad < 0) throw UsageError("must be >= 0, not " + std::to_string(pad), "--aug-pad");
  if (crop_scale_min != 0.f || crop_scale_max != 0.f) {
    check_range(crop_scale_min, crop_scale_max, 1.f, "--aug-crop-scale");
  }
  check_range(crop_ratio_min, crop_ratio_max, std::numeric_limits<float>::infinity(), "--aug-crop-ratio");
  check_probability(jitter_prob, "--aug-jitter-prob");
  check_amount(brightness, "--aug-brightness");
  check_amount(contrast, "--aug-contrast");
  check_amount(saturation, "--aug-saturation");
  check_amount(hue, "--aug-hue");
  if (hue > 0.5f) throw UsageError("must be at most 0.5 (half a turn), not " + shown(hue), "--aug-hue");
  check_probability(grey_prob, "--aug-grey-prob");
  check_probability(blur_prob, "--aug-blur-prob");
  check_range(blur_sigma_min, blur_sigma_max, std::numeric_limits<float>::infinity(), "--aug-blur-sigma");
  if (blur_min_size < 0) {
    throw UsageError("must be >= 0, not " + std::to_string(blur_min_size), "--aug-blur-min-size");
  }
  check_probability(solarize_prob, "--aug-solarize-prob");
}

const std::vector<std::string>& augment_preset_names() {
  static const std::vector<std::string> names = {"none", "simclr", "byol"};
  return names;
}

AugmentOptions augment_preset(const std::string& name) {
  AugmentOptions o;
  if (name == "none") return o;
  if (name != "simclr" && name != "byol") {
    std::string list;
    for (const std::string& known : augment_preset_names()) list += (list.empty() ? "" : ", ") + known;
    throw UsageError("no preset '" + name + "' (known: " + list + ")", "--aug-preset");
  }
  // What SimCLR (appendix A) and BYOL (table 6) share. Their crops start at 8% of the area for
  // 224 px ImageNet images; at 28 px that leaves boxes of 8 px, too little of a garment to tell
  // what it is, so the area starts at 20% here. Brightness here adds an offset where theirs
  // multiplies (augment.hpp): 0.4 is their number, not a measured equivalent.
  o.crop_scale_min = 0.2f;
  o.crop_scale_max = 1.f;
  o.flip = true;
  o.jitter_prob = 0.8f;
  o.brightness = 0.4f;
  o.contrast = 0.4f;
  o.hue = 0.1f;
  o.grey_prob = 0.2f;
  o.blur_prob = 0.5f;
  if (name == "simclr") {
    o.saturation = 0.4f;
    // SimCLR blurs its ImageNet views but not its 32 px CIFAR-10 ones (its CIFAR-10 appendix):
    // at that size a blur takes away most of the little detail there is.
    o.blur_min_size = 32;
  } else {
    o.saturation = 0.2f;
    // BYOL gives its two views different recipes (blur 1.0 and 0.1, solarisation 0 and 0.2);
    // both views share one here, so each gets the mean of the two.
    o.solarize_prob = 0.1f;
  }
  return o;
}

void augment(const AugmentOptions& config, float* image, int channels, int height, int width, std::uint64_t seed) {
  config.validate();
  const std::size_t count = image_size(channels, height, width);
  if (!config.enabled()) return;
  if (config.pad >= std::min(height, width)) {
    throw UsageError("must be smaller than the image's height and width (" + std::to_string(height) + "x" +
                         std::to_string(width) + "), not " + std::to_string(config.pad),
                     "--aug-pad");
  }

  // Draws happen only for enabled steps, always in the same order (augment.hpp lists them), so a
  // seed gives one result.
  Rng rng(seed);
  if (config.crop()) {
    const CropBox box = random_crop_box(height, width, config.crop_scale_min, config.crop_scale_max,
                                        config.crop_ratio_min, config.crop_ratio_max, rng);
    if (box.height != height || box.width != width) resized_crop(image, channels, height, width, box);
  }
  if (config.pad > 0) {
    const auto span = std::uint64_t(2 * config.pad + 1);
    const int dy = int(rng.below(span)) - config.pad;
    const int dx = int(rng.below(span)) - config.pad;
    if (dy != 0 || dx != 0) translate(image, channels, height, width, dy, dx);
  }
  if (config.flip && rng.coin()) flip_horizontal(image, channels, height, width);
  if (config.jitter() && happens(rng, config.jitter_prob)) colour_jitter(config, image, channels, height, width, rng);
  if (config.grey_prob > 0.f && happens(rng, config.grey_prob)) to_greyscale(image, channels, height, width);
  if (config.blur_prob > 0.f && std::min(height, width) >= config.blur_min_size && happens(rng, config.blur_prob)) {
    gaussian_blur(image, channels, height, width, float(rng.uniform(config.blur_sigma_min, config.blur_sigma_max)));
  }
  if (config.solarize_prob > 0.f && happens(rng, config.solarize_prob)) solarize(image, count);
}

void two_views(const AugmentOptions& config, const float* src, float* view_a, float* view_b, int c, int h, int w,
               std::uint64_t seed) {
  const std::size_t count = image_size(c, h, w);
  std::memcpy(view_a, src, count * sizeof(float));
  std::memcpy(view_b, src, count * sizeof(float));
  augment(config, view_a, c, h, w, mix_seed(seed, 0));
  augment(config, view_b, c, h, w, mix_seed(seed, 1));
}

}  // namespace sim
