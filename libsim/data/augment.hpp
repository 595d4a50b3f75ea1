// Random image augmentation for training, on one image at a time.
//
// Images are float CHW: channels × height × width values, row-major (x fastest), in [0, 1], with 1
// (grey) or 3 (RGB) channels. augment() applies, in this order, each enabled step:
//   crop        (--aug-crop-scale, --aug-crop-ratio) a random box, resized back to height × width
//               bilinearly: Inception's random-resized crop as torchvision's RandomResizedCrop
//               draws it. Up to 10 tries of an area fraction uniform in [scale_min, scale_max] and
//               an aspect ratio (width / height) log-uniform in [ratio_min, ratio_max], each giving
//               a box round(sqrt(area × ratio)) wide and round(sqrt(area / ratio)) high, kept if it fits
//               and then placed uniformly; if no try fits, the largest centred box whose ratio is
//               within the range. Resizing follows PyTorch's bilinear interpolation with
//               align_corners=false (pixel centres, edges clamped).
//   translate   (--aug-pad) by (dy, dx), each uniform in [-pad, pad]: a random crop of the image
//               zero-padded by `pad` pixels per side (CIFAR-style RandomCrop). Uncovered pixels
//               become 0.
//   flip        (--aug-flip) mirror left-right with probability 1/2.
//   jitter      (--aug-jitter-prob) with probability jitter_prob (default 1: always), the enabled
//               ones of these four, in an order drawn at random each time (torchvision's
//               ColorJitter), each with its own random amount:
//     brightness  add one offset, uniform in [-B, B], to every value (all channels alike). Additive,
//                 where torchvision multiplies by a factor in [1 - B, 1 + B]: an added offset also
//                 lifts a black background, which a factor never does.
//     contrast    per channel: mean + (value - mean) * f, f uniform in [max(0, 1 - C), 1 + C]
//                 (the lower bound stops a large C from inverting the image, as in torchvision;
//                 torchvision blends with one mean of the greyscale image instead).
//     saturation  (3 channels) blend with the greyscale image: grey + (value - grey) * f, f uniform
//                 in [max(0, 1 - S), 1 + S]; f = 0 is greyscale, as torchvision's adjust_saturation.
//     hue         (3 channels) rotate the hue in HSV by a shift uniform in [-H, H] turns (H <= 0.5),
//                 keeping saturation and value, as torchvision's adjust_hue.
//   grey        (--aug-grey-prob, 3 channels) with probability grey_prob, every channel becomes
//               grey = 0.299 R + 0.587 G + 0.114 B (ITU-R 601 luma, torchvision's RandomGrayscale).
//   blur        (--aug-blur-prob, --aug-blur-sigma, --aug-blur-min-size) with probability blur_prob,
//               and only if min(height, width) >= blur_min_size: a Gaussian blur, sigma uniform in
//               [sigma_min, sigma_max], separable, kernel 2 * (side / 20) + 1 taps along each axis
//               (about 10% of the side made odd, as SimCLR's; 3 taps at 20-39 px, none below 20),
//               weights exp(-x² / 2σ²) normalised to sum 1, edges reflected without repeating the
//               edge pixel (torchvision's gaussian_blur).
//   solarize    (--aug-solarize-prob) with probability solarize_prob, every value v >= 0.5 becomes
//               1 - v (BYOL; torchvision's RandomSolarize at threshold 0.5).
// Every step keeps values in [0, 1]: brightness, contrast, saturation and hue clamp their results;
// the others only mix or mirror values already there.
//
// The 1-channel no-ops (saturation, hue, grey) still draw their random numbers, so a run's stream
// does not depend on the channel count. A probability of 1 draws nothing (always), 0 turns the step
// off; anything between draws one uniform number first.
//
// Deterministic: the result depends only on (config, image, shape, seed); each call owns its PRNG
// (base/rng.hpp), so calls are thread-safe and repeat on any platform. Draws happen only for
// enabled steps and always in the order above: crop (each try: scale, then log-ratio; then row,
// then column), translate (dy, dx), flip (one coin), jitter (probability, then the order of the
// enabled ones, then their amounts in the order brightness, contrast, saturation, hue), grey
// (probability), blur (probability, then sigma), solarize (probability). Derive per-item seeds with
// mix_seed, e.g. mix_seed(mix_seed(mix_seed(run_seed, step), item), view). Crop and blur use a
// scratch buffer per thread that grows to the largest image seen; nothing else allocates.
//
// References: SimCLR (Chen et al. 2020, "A Simple Framework for Contrastive Learning of Visual
// Representations", appendix A), BYOL (Grill et al. 2020, "Bootstrap Your Own Latent", table 6),
// torchvision.transforms (RandomResizedCrop, ColorJitter, RandomGrayscale, GaussianBlur,
// RandomSolarize) for the exact semantics followed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/rng.hpp"

namespace sim {

struct AugmentOptions {
  float crop_scale_min = 0.f;  // --aug-crop-scale MIN,MAX: area fraction of the crop; 0,0 = off
  float crop_scale_max = 0.f;
  float crop_ratio_min = 3.f / 4.f;  // --aug-crop-ratio MIN,MAX: width / height of the crop box
  float crop_ratio_max = 4.f / 3.f;
  int pad = 0;                  // --aug-pad: maximum translation in pixels; 0 = off
  bool flip = false;            // --aug-flip: random horizontal flip
  float jitter_prob = 1.f;      // --aug-jitter-prob: probability of the colour jitter (the four below)
  float brightness = 0.f;       // --aug-brightness: maximum offset B; 0 = off
  float contrast = 0.f;         // --aug-contrast: maximum factor change C; 0 = off
  float saturation = 0.f;       // --aug-saturation: maximum factor change S; 0 = off
  float hue = 0.f;              // --aug-hue: maximum hue shift H in turns, at most 0.5; 0 = off
  float grey_prob = 0.f;        // --aug-grey-prob: probability of greyscale; 0 = off
  float blur_prob = 0.f;        // --aug-blur-prob: probability of a Gaussian blur; 0 = off
  float blur_sigma_min = 0.1f;  // --aug-blur-sigma MIN,MAX: the blur's sigma in pixels
  float blur_sigma_max = 2.f;
  int blur_min_size = 0;      // --aug-blur-min-size: no blur when min(height, width) is smaller
  float solarize_prob = 0.f;  // --aug-solarize-prob: probability of solarisation; 0 = off

  bool crop() const { return crop_scale_max > 0.f; }
  bool jitter() const {
    return jitter_prob > 0.f && (brightness > 0.f || contrast > 0.f || saturation > 0.f || hue > 0.f);
  }

  // True when any step is on (for some image shape); augment() is a no-op otherwise.
  bool enabled() const {
    return crop() || pad > 0 || flip || jitter() || grey_prob > 0.f || blur_prob > 0.f || solarize_prob > 0.f;
  }

  // Throws UsageError naming the flag for a value out of its range: negative (or non-finite)
  // amounts, a hue above 0.5, a probability outside [0, 1], crop scales outside
  // 0 < min <= max <= 1 (or both 0: off), crop ratios outside 0 < min <= max, blur sigmas outside
  // 0 < min <= max.
  void validate() const;
};

// The named recipes --aug-preset gives, before any flag the user adds:
//   none    every step off (AugmentOptions{}).
//   simclr  SimCLR's (appendix A) scaled to small images: crop scale 0.2-1, flip, jitter p 0.8
//           (brightness 0.4, contrast 0.4, saturation 0.4, hue 0.1), grey p 0.2, blur p 0.5 on
//           images of 32 px and more only (SimCLR blurs ImageNet, not CIFAR), no solarisation.
//   byol    BYOL's (table 6) likewise: crop 0.2-1, flip, jitter p 0.8 (0.4, 0.4, 0.2, 0.1),
//           grey p 0.2, blur p 0.5, solarize p 0.1 (BYOL's views differ: blur 1.0 / 0.1,
//           solarize 0 / 0.2; both views here share one recipe, so each gets the mean).
// Throws UsageError ("--aug-preset") for another name, listing these.
AugmentOptions augment_preset(const std::string& name);
const std::vector<std::string>& augment_preset_names();

// Augments `image` (channels × height × width, in place) with a PRNG seeded from `seed`.
// Throws UsageError ("--aug-pad") unless pad < min(height, width), UsageError from validate(),
// and Error (field "image") for a non-positive dimension.
void augment(const AugmentOptions& config, float* image, int channels, int height, int width, std::uint64_t seed);

// Two independently augmented copies of `src` (for self-supervised losses such as SimCLR), using
// seeds mix_seed(seed, 0) and mix_seed(seed, 1). With augmentation off both are plain copies.
// `src`, `view_a` and `view_b` each hold c × h × w values and must not overlap.
void two_views(const AugmentOptions& config, const float* src, float* view_a, float* view_b, int c, int h, int w,
               std::uint64_t seed);

// --- The deterministic steps augment() is made of (exposed for tests and for callers that want
// a fixed transform). Same layout as above; none of them checks its arguments.

// Geometry (augment_geometry.cpp).

// A box of the image: rows [top, top + height), columns [left, left + width).
struct CropBox {
  int top = 0, left = 0, height = 0, width = 0;
};

// The random-resized-crop box for an image of height × width, drawn as described above (up to 10
// tries, then the centred fallback). scale: 0 < min <= max <= 1; ratio: 0 < min <= max.
CropBox random_crop_box(int height, int width, float scale_min, float scale_max, float ratio_min, float ratio_max,
                        Rng& rng);

// Bilinear resize of one plane: src is src_h × src_w values with row stride src_stride (>= src_w),
// dst is dst_h × dst_w, row-major; they must not overlap. PyTorch's interpolate(mode="bilinear",
// align_corners=False): output pixel x samples the input at (x + 0.5) * src_w / dst_w - 0.5,
// clamped to [0, src_w - 1].
void resize_bilinear(const float* src, int src_h, int src_w, std::size_t src_stride, float* dst, int dst_h, int dst_w);

// Replaces each channel by its `box` resized to height × width (resize_bilinear).
void resized_crop(float* image, int channels, int height, int width, const CropBox& box);

// Mirrors every row left-right. Applying it twice is the identity.
void flip_horizontal(float* image, int channels, int height, int width);

// Moves the content by dy rows down and dx columns right (negative: up / left): output(y, x) =
// input(y - dy, x - dx), and 0 where that falls outside the image. |dy| < height, |dx| < width.
void translate(float* image, int channels, int height, int width, int dy, int dx);

// Taps on each side of the centre of the blur kernel along an image side of `side` pixels:
// side / 20, so the kernel (2 * radius + 1) is about 10% of the side, made odd.
int blur_radius(int side);

// Gaussian blur of every channel with standard deviation sigma > 0 (pixels): separable, with
// blur_radius(width) taps each side along rows and blur_radius(height) along columns, reflected
// edges. A radius of 0 leaves that axis as it is.
void gaussian_blur(float* image, int channels, int height, int width, float sigma);

// Colour (augment_colour.cpp). The 3-channel steps leave a 1-channel image as it is.

// Adds `offset` to `count` values, clamping to [0, 1].
void adjust_brightness(float* values, std::size_t count, float offset);

// Scales each channel's values around that channel's mean by `factor`, clamping to [0, 1].
void adjust_contrast(float* image, int channels, int height, int width, float factor);

// grey + (value - grey) * factor per pixel and channel, clamped to [0, 1] (3 channels).
void adjust_saturation(float* image, int channels, int height, int width, float factor);

// Adds `shift` turns (in [-0.5, 0.5]) to every pixel's hue in HSV (3 channels).
void adjust_hue(float* image, int channels, int height, int width, float shift);

// Every channel becomes 0.299 R + 0.587 G + 0.114 B (3 channels).
void to_greyscale(float* image, int channels, int height, int width);

// Every value v >= 0.5 becomes 1 - v.
void solarize(float* values, std::size_t count);

}  // namespace sim
