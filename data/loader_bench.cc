#include "data/loader_bench.h"

#include <chrono>
#include <memory>

#include "core/error.h"
#include "core/philox.h"
#include "data/loader.h"

namespace dc {
namespace {

class ImageBenchDataset : public Dataset {
 public:
  ImageBenchDataset(int64_t images, int64_t size, int64_t crop)
      : images_(images), size_(size), crop_(crop), pixels_(empty({images, 3, size, size})) {
    // Deterministic content; its values do not matter, only that the memory is real.
    float* p = pixels_.data<float>();
    Generator gen(42);
    const int64_t n = pixels_.numel();
    for (int64_t i = 0; i < n; i += 4) {
      const auto w = gen.block(gen.advance(1));
      for (int64_t k = 0; k < 4 && i + k < n; ++k) p[i + k] = uint_to_unit_float(w[k]);
    }
  }

  int64_t size() const override { return images_; }

  Sample get(int64_t index, Generator& rng) const override {
    const auto w = rng.block(rng.advance(1));
    const int64_t span = size_ - crop_ + 1;
    const int64_t x0 = w[0] % span, y0 = w[1] % span;
    const bool flip = (w[2] & 1) != 0;
    const float gain = 0.8f + 0.4f * uint_to_unit_float(w[3]);
    Tensor out = empty({3, crop_, crop_});
    float* dst = out.data<float>();
    const float* src = pixels_.data<float>() + index * 3 * size_ * size_;
    for (int64_t c = 0; c < 3; ++c) {
      for (int64_t y = 0; y < crop_; ++y) {
        const float* row = src + (c * size_ + y0 + y) * size_ + x0;
        float* drow = dst + (c * crop_ + y) * crop_;
        for (int64_t x = 0; x < crop_; ++x) {
          const float v = row[flip ? crop_ - 1 - x : x] * gain;
          drow[x] = v > 1.0f ? 1.0f : v;
        }
      }
    }
    Sample s;
    s["image"] = out;
    s["label"] = tensor_from({static_cast<double>(index % 10)}, {}, DType::i64);
    return s;
  }

  SampleLayout layout() const override {
    return {{"image", FieldKind::kImage}, {"label", FieldKind::kOther}};
  }
  std::string name() const override { return "loader benchmark images"; }

 private:
  int64_t images_, size_, crop_;
  Tensor pixels_;
};

}  // namespace

LoaderBenchResult bench_loader(const LoaderBenchOptions& o) {
  DC_CHECK(o.images >= 1 && o.image_size >= 1 && o.crop >= 1 && o.crop <= o.image_size,
           "bench loader: expected images >= 1 and 1 <= crop <= image_size, got images ", o.images,
           ", image_size ", o.image_size, ", crop ", o.crop);
  DC_CHECK(o.batches >= 1, "bench loader: batches must be >= 1, got ", o.batches);
  auto dataset = std::make_shared<ImageBenchDataset>(o.images, o.image_size, o.crop);
  LoaderOptions lo;
  lo.batch_size = o.batch_size;
  lo.num_workers = o.num_workers;
  lo.prefetch = o.prefetch;
  lo.drop_last = false;
  DataLoader loader(dataset, lo);
  loader.next();  // warm-up: threads started, first batch in flight
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  int64_t samples = 0;
  for (int64_t b = 0; b < o.batches; ++b) samples += loader.next()->size();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  LoaderBenchResult r;
  r.batches = o.batches;
  r.seconds = seconds;
  r.batches_per_s = o.batches / seconds;
  r.samples_per_s = samples / seconds;
  r.megabytes_per_s = samples * 3.0 * o.crop * o.crop * sizeof(float) / 1e6 / seconds;
  return r;
}

}  // namespace dc
