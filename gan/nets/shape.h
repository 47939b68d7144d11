#ifndef GAN_NETS_SHAPE_H_
#define GAN_NETS_SHAPE_H_

// The shape of one example's values in a net, batch dimension excluded:
// {features} for a flat vector, {channels, height, width} for an image. A
// batch [batch, ...shape] is stored row-major (NCHW for images), so a layer
// that reads its input as flat features sees the same values in either shape.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace gan {

class Shape {
 public:
  Shape() = default;
  static Shape Flat(int64_t features) { return Shape({features}); }
  static Shape Image(int64_t channels, int64_t height, int64_t width) { return Shape({channels, height, width}); }

  const std::vector<int64_t>& dims() const { return dims_; }
  bool is_image() const { return dims_.size() == 3; }
  // Values per example (0 for the empty shape).
  int64_t size() const {
    if (dims_.empty()) return 0;
    int64_t n = 1;
    for (int64_t d : dims_) n *= d;
    return n;
  }
  // "784" or "1x28x28".
  std::string ToString() const {
    std::string text;
    for (size_t i = 0; i < dims_.size(); ++i) text += (i ? "x" : "") + std::to_string(dims_[i]);
    return text;
  }
  bool operator==(const Shape& other) const { return dims_ == other.dims_; }
  bool operator!=(const Shape& other) const { return dims_ != other.dims_; }

 private:
  explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}
  std::vector<int64_t> dims_;
};

}  // namespace gan

#endif  // GAN_NETS_SHAPE_H_
