// Label-aware data augmentation: transforms that rewrite a Sample (data/sample.h) given its
// SampleLayout and a Generator, as torchvision.transforms.v2 does for images with masks, key
// points and boxes.
//
// Geometry: every geometric transform is one affine map applied to every field by its FieldKind,
// as data/warp.h describes (images bilinear, dense labels nearest, points and boxes exactly).
//
// Contract of every transform: it reads only fields the layout names with a kind it acts on
// (a missing one is a dc::Error naming it), refuses sample fields the layout does not name (give
// them FieldKind::kOther), never writes into the tensors it is given (outputs are new tensors, so
// datasets may cache their samples), draws all randomness from `rng` (the same number of draws
// whatever the outcome), and is safe to call concurrently from loader threads. Transforms run on
// one thread each: they never use the shared thread pool.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/philox.h"
#include "data/sample.h"
#include "data/warp.h"

namespace dc {

class Transform {
 public:
  virtual ~Transform() = default;
  // Rewrites `sample` (see the contract above).
  virtual void apply(Sample& sample, const SampleLayout& layout, Generator& rng) const = 0;
  // For messages: "RandomScale".
  virtual std::string name() const = 0;
};

using TransformPtr = std::shared_ptr<const Transform>;

// Applies its transforms in order.
class Compose : public Transform {
 public:
  explicit Compose(std::vector<TransformPtr> transforms);
  void apply(Sample& sample, const SampleLayout& layout, Generator& rng) const override;
  std::string name() const override;

 private:
  std::vector<TransformPtr> transforms_;
};

// Resizes by a factor drawn uniformly from `factors` (each > 0): H×W becomes
// max(1, round(s·H)) × max(1, round(s·W)), and the map is the exact ratio of the sizes
// (x -> x·W'/W, y -> y·H'/H). Downscaling does not low-pass filter first (as F.interpolate).
class RandomScale : public Transform {
 public:
  explicit RandomScale(std::vector<double> factors);
  void apply(Sample& sample, const SampleLayout& layout, Generator& rng) const override;
  std::string name() const override { return "RandomScale"; }

 private:
  std::vector<double> factors_;
};

enum class CropPosition {
  kRandom,  // top-left corner uniform over the valid positions
  kCenter,  // centred; with an odd difference the extra row/column is cut from, or padded at, the
            // bottom/right
};

// Cuts an out_h × out_w window (an integer translation, so values are copied exactly). When the
// image is smaller than the window along an axis, the image is placed inside the window instead
// (at a random or the centre offset) and the rest is filled with 0.
class Crop : public Transform {
 public:
  Crop(int64_t out_h, int64_t out_w, CropPosition position = CropPosition::kRandom);
  void apply(Sample& sample, const SampleLayout& layout, Generator& rng) const override;
  std::string name() const override { return "Crop"; }

 private:
  int64_t out_h_, out_w_;
  CropPosition position_;
};

// Rotates about the image centre by an angle drawn uniformly from [min_degrees, max_degrees]
// (counter-clockwise on screen for positive angles), keeping the image size; corners that come
// from outside the source are 0.
class RandomRotation : public Transform {
 public:
  // Angles in [-degrees, degrees].
  explicit RandomRotation(double degrees);
  RandomRotation(double min_degrees, double max_degrees);
  void apply(Sample& sample, const SampleLayout& layout, Generator& rng) const override;
  std::string name() const override { return "RandomRotation"; }

 private:
  double min_degrees_, max_degrees_;
};

// What a dataset knows about left and right, for HorizontalFlip.
struct FlipRules {
  // kDenseLabel field -> table: after the flip, a pixel of value v holds table[v] (swapping left
  // and right parts). The field must hold integers in [0, table size).
  std::map<std::string, std::vector<int64_t>> label_permutation;
  // kPoints field -> table: after the flip, point i is the mirrored point table[i] (swapping left
  // and right landmarks). The table's size must be K. The point field's visibility field (see
  // the top of this file), when present, is reordered the same way.
  std::map<std::string, std::vector<int64_t>> point_permutation;
  // Run last, on flipped samples only, for what tables cannot express (mirroring U inside the
  // charts that need it, ...). It must follow the contract above (new tensors, no shared state,
  // no thread pool: Tensor::clone of a large tensor uses the pool).
  std::function<void(Sample&)> after_flip;
};

// Mirrors left and right (x -> W − x; a pixel-centre x becomes W − 1 − x) with probability p,
// then applies the FlipRules.
class HorizontalFlip : public Transform {
 public:
  explicit HorizontalFlip(double p = 0.5, FlipRules rules = {});
  void apply(Sample& sample, const SampleLayout& layout, Generator& rng) const override;
  std::string name() const override { return "HorizontalFlip"; }

 private:
  double p_;
  FlipRules rules_;
};

// Photometric jitter of the kImage fields (3 channels RGB, or 1 grey), as
// torchvision.transforms.ColorJitter on float images: brightness, contrast and saturation factors
// drawn uniformly from [max(0, 1 − x), 1 + x] (x = 0 disables one), applied in a random order,
// each followed by a clamp to [0, 1]:
//   brightness  img · f
//   contrast    f · img + (1 − f) · mean(grey(img))      (one mean over the whole image)
//   saturation  f · img + (1 − f) · grey(img)            (per pixel; no-op on 1-channel images)
// with grey = 0.2989 R + 0.587 G + 0.114 B. Every kImage field of a sample gets the same factors.
// Other fields are untouched.
class ColorJitter : public Transform {
 public:
  ColorJitter(double brightness, double contrast, double saturation);
  void apply(Sample& sample, const SampleLayout& layout, Generator& rng) const override;
  std::string name() const override { return "ColorJitter"; }

 private:
  double brightness_, contrast_, saturation_;
};

}  // namespace dc
