#include "gan/nets/layers.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <unordered_map>
#include <utility>

#include "gan/nets/pass_contract.h"

namespace gan {

bool Bf16ProductsAvailable() {
  // oneDNN's ISAs are bit sets, each holding the bits of those it extends.
  const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  const auto bf16 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core_bf16);
  return (isa & bf16) == bf16;
}

CpuContext& Cpu() {
  static CpuContext* context = [] {
    dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return new CpuContext{engine, dnnl::stream(engine)};
  }();
  return *context;
}

namespace {

using dt = dnnl::memory::data_type;
using Args = std::unordered_map<int, dnnl::memory>;

// A row-major [rows, cols] matrix, or its transpose viewed in place.
dnnl::memory::desc Matrix(int64_t rows, int64_t cols, dt type = dt::f32) {
  return dnnl::memory::desc({rows, cols}, type, dnnl::memory::dims{cols, 1});
}
dnnl::memory::desc TransposedMatrix(int64_t rows, int64_t cols, dt type = dt::f32) {
  // The [rows, cols] view of a row-major [cols, rows] matrix.
  return dnnl::memory::desc({rows, cols}, type, dnnl::memory::dims{1, rows});
}

dnnl::memory Bind(const dnnl::memory::desc& desc, void* data) { return dnnl::memory(desc, Cpu().engine, data); }

// The activations, in one place for every layer that has one: applied in
// place, their derivative from their output, in double for the references,
// and as an inference-graph node.
// log(1 + e^v), written so that neither branch overflows; float for the
// passes, double for the references.
template <typename Real>
Real Softplus(Real v) {
  return v > Real{0} ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v));
}

void ApplyActivation(Activation activation, float* v, int64_t n) {
  if (activation == Activation::kRelu) {
#pragma omp parallel for simd
    for (int64_t i = 0; i < n; ++i) v[i] = std::max(v[i], 0.0f);
  } else if (activation == Activation::kSigmoid) {
#pragma omp parallel for simd
    for (int64_t i = 0; i < n; ++i) v[i] = 1.0f / (1.0f + std::exp(-v[i]));
  } else if (activation == Activation::kSoftplus) {
#pragma omp parallel for simd
    for (int64_t i = 0; i < n; ++i) v[i] = Softplus(v[i]);
  }
}

// dy[i] *= act'(x[i]) for i in [begin, end), from the output y[i] = act(x[i]):
// ReLU's is y > 0, the sigmoid's y (1 - y), softplus's sigmoid(x) = 1 - exp(-y).
void ActivationGradientFromOutput(Activation activation, const float* y, float* dy, int64_t begin, int64_t end) {
  if (activation == Activation::kRelu) {
#pragma omp parallel for simd
    for (int64_t i = begin; i < end; ++i) dy[i] = y[i] > 0.0f ? dy[i] : 0.0f;
  } else if (activation == Activation::kSigmoid) {
#pragma omp parallel for simd
    for (int64_t i = begin; i < end; ++i) dy[i] *= y[i] * (1.0f - y[i]);
  } else if (activation == Activation::kSoftplus) {
#pragma omp parallel for simd
    for (int64_t i = begin; i < end; ++i) dy[i] *= -std::expm1(-y[i]);
  }
}

double ReferenceActivation(Activation activation, double v) {
  switch (activation) {
    case Activation::kRelu: return std::max(v, 0.0);
    case Activation::kSigmoid: return 1.0 / (1.0 + std::exp(-v));
    case Activation::kSoftplus: return Softplus(v);
    case Activation::kIdentity: break;
  }
  return v;
}

std::string AddActivationNode(InferenceGraph& graph, Activation activation, const std::string& y, const std::string& prefix) {
  switch (activation) {
    case Activation::kRelu: return graph.AddNode("Relu", {y}, prefix + ".relu");
    case Activation::kSigmoid: return graph.AddNode("Sigmoid", {y}, prefix + ".sigmoid");
    case Activation::kSoftplus: return graph.AddNode("Softplus", {y}, prefix + ".softplus");
    case Activation::kIdentity: break;
  }
  return y;
}

dnnl::matmul MakeMatmul(const dnnl::memory::desc& src, const dnnl::memory::desc& weights,
                        const dnnl::memory::desc* bias, const dnnl::memory::desc& dst,
                        const dnnl::primitive_attr& attr = dnnl::primitive_attr()) {
  dnnl::matmul::desc desc = bias ? dnnl::matmul::desc(src, weights, *bias, dst) : dnnl::matmul::desc(src, weights, dst);
  return dnnl::matmul(dnnl::matmul::primitive_desc(desc, attr, Cpu().engine));
}

// Where a product writes a parameter's gradient g: out = alpha * g + beta *
// out, into the gradient (1, 0) or, where its fold is set, its velocity; then
// the folded update moves the parameter (FoldedMomentum).
struct GradientDestination {
  float* out;
  FoldedUpdate update;
  bool folded;
};
GradientDestination DestinationOf(const FoldedMomentum& fold, float* grad) {
  if (fold.velocity == nullptr) return {grad, {1.0f, 0.0f, 0.0f, false}, false};
  return {fold.velocity, fold.update(), true};
}

// value += scale * velocity (after velocity *= scale if renormalize), over n values.
void MoveByVelocity(const FoldedUpdate& u, float* value, float* velocity, int64_t n) {
  const float scale = u.scale;
  if (u.renormalize) {
#pragma omp parallel for simd
    for (int64_t i = 0; i < n; ++i) {
      velocity[i] *= scale;
      value[i] += velocity[i];
    }
  } else {
#pragma omp parallel for simd
    for (int64_t i = 0; i < n; ++i) value[i] += scale * velocity[i];
  }
}

// z = act(x W + b) and its backward, for one batch size:
//   forward           z[N, out]  = act(x[N, in] W[in, out] + b)
//   backward data     dx[N, in]  = dz[N, out] W^T[out, in]
//   backward weights  dW[in, out] = x^T[in, N] dz[N, out];  db = sum over rows of dz
// The plain weight gradient reads x^T from a copy transposed by a reorder,
// not from a transposed view of x: oneDNN 2.6's matmul is slower on the view
// (for x^T[1200, 100] dz[100, 1200], median 1.9 ms against 1.5 ms on the
// copy), the reorder costs under 0.1 ms, and the product is bit for bit the
// same. Where SGD's update is folded in (FoldedMomentum), the product is one
// dnnl_sgemm call on x as it lies, whose alpha and beta carry the velocity
// update; the plain gradient keeps the product the recorded runs were
// trained with, so that their bits do not move with the fold's arrival.
// With bf16 products, reorders round x and W (in Forward) and dz (in
// Backward) into bf16 copies that the products read, each converted once
// and shared by the products that read it: W's copy is made by Forward and
// read by the backward data, so the weights must not change in between
// (a fold, which updates W inside Backward, is refused with bf16 by the
// learner).
class AffinePass {
 public:
  // Backward may start at row 0 and at each of tail_first_rows; dz null:
  // forward only (no backward primitives).
  AffinePass(AffineParameters& p, int64_t batch, float* x, float* z, float* dx, float* dz, Activation activation,
             const std::vector<int64_t>& tail_first_rows)
      : p_(p), batch_(batch), x_(x), dx_(dx), dz_(dz), operand_(p.products == Products::kBf16 ? dt::bf16 : dt::f32) {
    const dnnl::memory::desc x_md = Matrix(batch, p.in), z_md = Matrix(batch, p.out);
    const dnnl::memory::desc w_md = Matrix(p.in, p.out), b_md = Matrix(1, p.out);
    if (bf16()) {
      x_bf16_.resize(batch * p.in);
      w_bf16_.resize(p.in * p.out);
      if (dz != nullptr) dz_bf16_.resize(batch * p.out);
      x_to_bf16_ = Rounding(Bind(x_md, x), Bind(Matrix(batch, p.in, dt::bf16), x_bf16_.data()));
      w_to_bf16_ = Rounding(Bind(w_md, p.weights.data()), Bind(Matrix(p.in, p.out, dt::bf16), w_bf16_.data()));
    }

    dnnl::post_ops post_ops;
    if (activation == Activation::kRelu) post_ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    if (activation == Activation::kSigmoid) post_ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_logistic, 0.0f, 0.0f);
    if (activation == Activation::kSoftplus) post_ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_soft_relu, 0.0f, 0.0f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(post_ops);
    const dnnl::memory::desc x_operand = Matrix(batch, p.in, operand_), w_operand = Matrix(p.in, p.out, operand_);
    forward_ = MakeMatmul(x_operand, w_operand, &b_md, z_md, attr);
    forward_args_ = {{DNNL_ARG_SRC, Bind(x_operand, bf16() ? static_cast<void*>(x_bf16_.data()) : x)},
                     {DNNL_ARG_WEIGHTS, Bind(w_operand, bf16() ? static_cast<void*>(w_bf16_.data()) : p.weights.data())},
                     {DNNL_ARG_BIAS, Bind(b_md, p.bias.data())},
                     {DNNL_ARG_DST, Bind(z_md, z)}};

    for (int64_t first_row : BackwardFirstRows("AffinePass", batch, tail_first_rows, dz != nullptr)) {
      if (bf16()) {
        const int64_t rows = batch - first_row;
        dz_to_bf16_.emplace(first_row, Rounding(Bind(Matrix(rows, p.out), dz + first_row * p.out),
                                                Bind(Matrix(rows, p.out, dt::bf16), dz_bf16_.data() + first_row * p.out)));
      }
      if (dx != nullptr) backward_data_.emplace(first_row, MakeBackwardData(first_row));
      backward_weights_.emplace(first_row, MakeBackwardWeights(first_row));
    }
  }

  void Forward() {
    if (bf16()) {
      x_to_bf16_.Run();
      w_to_bf16_.Run();
    }
    forward_.execute(Cpu().stream, forward_args_);
  }

  // Rows [first_row, batch) of the backward; reads those rows of dz (the
  // gradient wrt the pre-activation output).
  void Backward(int64_t first_row, bool input_grad, bool param_grads) {
    if (bf16()) MadeForRow("AffinePass", dz_to_bf16_, first_row).Run();
    if (input_grad) {
      auto& [matmul, args] = MadeForRow("AffinePass", backward_data_, first_row);
      matmul.execute(Cpu().stream, args);
    }
    if (param_grads) {
      BackwardWeights& w = MadeForRow("AffinePass", backward_weights_, first_row);
      const int64_t in = p_.in, out = p_.out, rows = batch_ - first_row;
      const GradientDestination dw = DestinationOf(p_.weights_fold, p_.weights_grad.data());
      if (!dw.folded) {
        w.transpose_x.execute(Cpu().stream, w.x, w.xt);
        w.matmul.execute(Cpu().stream, w.args);
      } else {
        dnnl_sgemm('T', 'N', in, out, rows, dw.update.alpha, x_ + first_row * in, in, dz_ + first_row * out, out,
                   dw.update.beta, dw.out, out);
        MoveByVelocity(dw.update, p_.weights.data(), dw.out, in * out);
      }
      // db[o] sums column o of dz over the rows in row order; the threads
      // split the columns, so the sums do not depend on the thread count.
      const GradientDestination db = DestinationOf(p_.bias_fold, p_.bias_grad.data());
      const float alpha = db.update.alpha, beta = db.update.beta;
      const float* dz = dz_;
      constexpr int64_t kBlock = 64;  // columns per task: 256 bytes of each row of dz
#pragma omp parallel for
      for (int64_t first = 0; first < out; first += kBlock) {
        const int64_t last = std::min(out, first + kBlock);
        float sums[kBlock] = {};
        for (int64_t n = first_row; n < batch_; ++n) {
          const float* row = dz + n * out;
#pragma omp simd
          for (int64_t o = first; o < last; ++o) sums[o - first] += row[o];
        }
        for (int64_t o = first; o < last; ++o) db.out[o] = alpha * sums[o - first] + (beta == 0.0f ? 0.0f : beta * db.out[o]);
      }
      if (db.folded) MoveByVelocity(db.update, p_.bias.data(), db.out, out);
    }
    Cpu().stream.wait();
  }

 private:
  // A reorder from fp32 to bf16 with its two memories.
  struct Rounding {
    Rounding() = default;
    Rounding(dnnl::memory from, dnnl::memory to) : from(from), to(to), reorder(from, to) {}
    void Run() { reorder.execute(Cpu().stream, from, to); }
    dnnl::memory from, to;
    dnnl::reorder reorder;
  };
  bool bf16() const { return operand_ == dt::bf16; }

  // The plain weight gradient of rows [first_row, batch): x^T read from a
  // copy transposed by a reorder (see the class comment), in the products'
  // precision. The memories stay bound to x_transposed when the struct
  // moves: a moved vector keeps its buffer.
  struct BackwardWeights {
    std::vector<uint8_t> x_transposed;  // [in, rows] of fp32 or bf16
    dnnl::memory x, xt;               // x[first_row:, :] and the same matrix in x_transposed
    dnnl::reorder transpose_x;
    dnnl::matmul matmul;
    Args args;
  };

  // Each row of a product is computed the same whatever the number of rows,
  // so the products over rows [first_row, batch) give these rows the bits a
  // pass of batch - first_row rows gives them.
  std::pair<dnnl::matmul, Args> MakeBackwardData(int64_t first_row) {
    const int64_t rows = batch_ - first_row;
    const dnnl::memory::desc dz_md = Matrix(rows, p_.out, operand_), wt_md = TransposedMatrix(p_.out, p_.in, operand_),
                             dx_md = Matrix(rows, p_.in);
    Args args = {{DNNL_ARG_SRC, Bind(dz_md, dz_operand(first_row))},
                 {DNNL_ARG_WEIGHTS, Bind(wt_md, bf16() ? static_cast<void*>(w_bf16_.data()) : p_.weights.data())},
                 {DNNL_ARG_DST, Bind(dx_md, dx_ + first_row * p_.in)}};
    return {MakeMatmul(dz_md, wt_md, nullptr, dx_md), std::move(args)};
  }

  BackwardWeights MakeBackwardWeights(int64_t first_row) {
    const int64_t rows = batch_ - first_row;
    BackwardWeights w;
    w.x_transposed.resize(rows * p_.in * dnnl::memory::data_type_size(operand_));
    w.x = Bind(Matrix(rows, p_.in), x_ + first_row * p_.in);
    // The reorder writes the same logical [rows, in] matrix with swapped
    // strides (and, for bf16 products, rounded).
    w.xt = Bind(TransposedMatrix(rows, p_.in, operand_), w.x_transposed.data());
    w.transpose_x = dnnl::reorder(w.x, w.xt);
    const dnnl::memory::desc xt_md = Matrix(p_.in, rows, operand_), dz_md = Matrix(rows, p_.out, operand_),
                             dw_md = Matrix(p_.in, p_.out);
    w.matmul = MakeMatmul(xt_md, dz_md, nullptr, dw_md);
    w.args = {{DNNL_ARG_SRC, Bind(xt_md, w.x_transposed.data())},
              {DNNL_ARG_WEIGHTS, Bind(dz_md, dz_operand(first_row))},
              {DNNL_ARG_DST, Bind(dw_md, p_.weights_grad.data())}};
    return w;
  }

  // Rows [first_row, batch) of dz as the products read them.
  void* dz_operand(int64_t first_row) {
    return bf16() ? static_cast<void*>(dz_bf16_.data() + first_row * p_.out) : static_cast<void*>(dz_ + first_row * p_.out);
  }

  AffineParameters& p_;
  int64_t batch_;
  float* x_;
  float* dx_;
  float* dz_;
  dt operand_;  // the products' operands: f32, or bf16 copies
  // bf16 products only: the rounded copies and the reorders that make them
  // (dz's by first row).
  std::vector<uint16_t> x_bf16_, w_bf16_, dz_bf16_;  // [batch, in], [in, out], [batch, out]
  Rounding x_to_bf16_, w_to_bf16_;
  std::map<int64_t, Rounding> dz_to_bf16_;
  dnnl::matmul forward_;
  Args forward_args_;
  // By first row.
  std::map<int64_t, std::pair<dnnl::matmul, Args>> backward_data_;
  std::map<int64_t, BackwardWeights> backward_weights_;
};

// A layer whose parameters are one AffinePass: its backward first turns dy
// into dz, the gradient at the affine output, then runs the affine backward.
class AffineLayerPass : public LayerPass {
 public:
  void Backward(int64_t first_row, bool input_grad, bool param_grads) final {
    GradientAtAffineOutput(first_row);
    affine().Backward(first_row, input_grad, param_grads);
    if (param_grads) AfterParameterGradients();
  }

 protected:
  // dz from dy for rows [first_row, batch).
  virtual void GradientAtAffineOutput(int64_t first_row) = 0;
  virtual AffinePass& affine() = 0;
  // After the affine backward has set W's and b's gradients.
  virtual void AfterParameterGradients() {}
};

class LinearPass : public AffineLayerPass {
 public:
  LinearPass(Linear& layer, const LayerBuffers& b)
      : layer_(layer), b_(b), out_(layer.output_dim()), size_(b.batch * out_), activation_(layer.activation()),
        affine_(layer.params(), b.batch, b.x, b.y, b.dx, b.dy, layer.activation(), b.tail_first_rows) {}

  void Forward(bool) override {
    if (layer_.weight_norm()) layer_.RefreshWeights();
    affine_.Forward();
  }

 private:
  // dy <- dz, the gradient before the activation, computed from its output y
  // (in place: dy is the affine pass's dz).
  void GradientAtAffineOutput(int64_t first_row) override {
    ActivationGradientFromOutput(activation_, b_.y, b_.dy, first_row * out_, size_);
  }
  AffinePass& affine() override { return affine_; }
  void AfterParameterGradients() override {
    if (layer_.weight_norm()) layer_.WeightNormGradients();
  }

  Linear& layer_;
  LayerBuffers b_;
  int64_t out_, size_;
  Activation activation_;
  AffinePass affine_;
};

class MaxoutPass : public AffineLayerPass {
 public:
  MaxoutPass(Maxout& layer, const LayerBuffers& b)
      : b_(b), units_(layer.output_dim()), pieces_(layer.pieces()),
        z_(b.batch * units_ * pieces_), dz_(b.dy != nullptr ? z_.size() : 0), argmax_(b.batch * units_),
        affine_(layer.params(), b.batch, b.x, z_.data(), b.dx, b.dy != nullptr ? dz_.data() : nullptr, Activation::kIdentity,
                b.tail_first_rows) {}

  void Forward(bool) override {
    affine_.Forward();
    Cpu().stream.wait();
    const int64_t count = b_.batch * units_;
#pragma omp parallel for
    for (int64_t i = 0; i < count; ++i) {
      const float* group = z_.data() + i * pieces_;
      int64_t best = 0;
      for (int64_t p = 1; p < pieces_; ++p) best = group[p] > group[best] ? p : best;
      argmax_[i] = static_cast<int32_t>(best);
      b_.y[i] = group[best];
    }
  }

 private:
  // dz <- dy at each unit's winning piece, 0 at the others.
  void GradientAtAffineOutput(int64_t first_row) override {
    const int64_t count = b_.batch * units_;
#pragma omp parallel for
    for (int64_t i = first_row * units_; i < count; ++i) {
      float* group = dz_.data() + i * pieces_;
      for (int64_t p = 0; p < pieces_; ++p) group[p] = 0.0f;
      group[argmax_[i]] = b_.dy[i];
    }
  }
  AffinePass& affine() override { return affine_; }

  LayerBuffers b_;
  int64_t units_, pieces_;
  std::vector<float> z_, dz_;     // [batch, units * pieces]
  std::vector<int32_t> argmax_;   // [batch, units]
  AffinePass affine_;
};

class DropoutPass : public LayerPass {
 public:
  DropoutPass(Dropout& layer, const LayerBuffers& b)
      : layer_(layer), b_(b), size_(b.batch * layer.input_dim()), mask_(size_),
        whole_mask_(b.share.whole() ? 0 : size_ * b.share.parts) {}

  void Forward(bool training) override {
    trained_ = training;
    if (!training) {
      std::copy(b_.x, b_.x + size_, b_.y);
      return;
    }
    if (b_.share.whole()) {
      DrawDropoutMask(layer_.rng(), layer_.keep_prob(), mask_.data(), size_, b_.x, b_.y);
      return;
    }
    // The whole batch's mask, then this process's slice of each block.
    DrawDropoutMask(layer_.rng(), layer_.keep_prob(), whole_mask_.data(), static_cast<int64_t>(whole_mask_.size()));
    const RowShare& share = b_.share;
    const int64_t slice = share.slice_rows * layer_.input_dim();
    for (int64_t block = 0; block * slice < size_; ++block) {
      const float* from = whole_mask_.data() + (block * share.parts + share.part) * slice;
      std::copy(from, from + slice, mask_.data() + block * slice);
    }
    const float* x = b_.x;
    const float* mask = mask_.data();
    float* y = b_.y;
#pragma omp parallel for simd
    for (int64_t i = 0; i < size_; ++i) y[i] = x[i] * mask[i];
  }

  void Backward(int64_t first_row, bool input_grad, bool) override {
    if (!input_grad) return;
    const int64_t begin = first_row * layer_.input_dim();
    if (!trained_) {
      std::copy(b_.dy + begin, b_.dy + size_, b_.dx + begin);
      return;
    }
    const float* dy = b_.dy;
    const float* mask = mask_.data();
    float* dx = b_.dx;
#pragma omp parallel for simd
    for (int64_t i = begin; i < size_; ++i) dx[i] = dy[i] * mask[i];
  }

 private:
  Dropout& layer_;
  LayerBuffers b_;
  int64_t size_;
  std::vector<float> mask_;        // [batch, dim]: 0 or 1 / keep_prob
  std::vector<float> whole_mask_;  // [batch * parts, dim] when the batch is shared, else empty
  bool trained_ = false;
};

class GaussianNoisePass : public LayerPass {
 public:
  GaussianNoisePass(GaussianNoise& layer, const LayerBuffers& b)
      : layer_(layer), b_(b), size_(b.batch * layer.input_dim()), noise_(b.share.whole() ? size_ : size_ * b.share.parts) {}

  void Forward(bool training) override {
    if (!training) {
      std::copy(b_.x, b_.x + size_, b_.y);
      return;
    }
    // A shared batch draws the whole batch's noise and adds this process's
    // slice of each block, as Dropout does with its mask.
    layer_.rng().FillNormal(noise_.data(), static_cast<int64_t>(noise_.size()));
    const RowShare& share = b_.share;
    const int64_t slice = share.whole() ? size_ : share.slice_rows * layer_.input_dim();
    const float stddev = layer_.stddev();
    for (int64_t block = 0; block * slice < size_; ++block) {
      const float* n = noise_.data() + (block * share.parts + share.part) * slice;
      const float* x = b_.x + block * slice;
      float* y = b_.y + block * slice;
      for (int64_t i = 0; i < slice; ++i) y[i] = x[i] + stddev * n[i];
    }
  }

  void Backward(int64_t first_row, bool input_grad, bool) override {
    if (!input_grad) return;
    const int64_t begin = first_row * layer_.input_dim();
    std::copy(b_.dy + begin, b_.dy + size_, b_.dx + begin);
  }

 private:
  GaussianNoise& layer_;
  LayerBuffers b_;
  int64_t size_;
  std::vector<float> noise_;  // [batch (* parts when shared), dim]
};

// Batch normalisation's pass (BatchNorm). Forward keeps x_hat, the
// normalised input, and 1 / sd per value for the backward, which with dz =
// dy through the activation and means over the rows is
//   d shift = sum of dz,   d scale = sum of dz x_hat,
//   dx = scale / sd * (dz - mean(dz) - x_hat mean(dz x_hat))   after a training forward,
//   dx = scale / sd * dz                                       after an inference one.
// Sums run over the rows in order, in double: the result does not depend on
// the number of threads.
class BatchNormPass : public LayerPass {
 public:
  BatchNormPass(BatchNorm& layer, const LayerBuffers& b)
      : layer_(layer),
        b_(b),
        dim_(layer.input_dim()),
        x_hat_(b.batch * dim_),
        mean_(dim_),
        inverse_sd_(dim_),
        sum_(dim_),
        squares_(dim_),
        sum_dz_(dim_),
        sum_dz_x_hat_(dim_) {
    if (!b.tail_first_rows.empty() || !b.share.whole()) {
      PassCallerBug("BatchNormPass", "normalises over its whole batch: it takes no tail_first_rows and no shared batch");
    }
  }

  void Forward(bool training) override {
    trained_ = training;
    const int64_t rows = b_.batch;
    if (training) {
      std::fill(sum_.begin(), sum_.end(), 0.0);
      std::fill(squares_.begin(), squares_.end(), 0.0);
      for (int64_t n = 0; n < rows; ++n) {
        for (int64_t j = 0; j < dim_; ++j) sum_[j] += b_.x[n * dim_ + j];
      }
      for (int64_t j = 0; j < dim_; ++j) sum_[j] /= static_cast<double>(rows);
      for (int64_t n = 0; n < rows; ++n) {
        for (int64_t j = 0; j < dim_; ++j) squares_[j] += (b_.x[n * dim_ + j] - sum_[j]) * (b_.x[n * dim_ + j] - sum_[j]);
      }
      const double unbiased = rows > 1 ? static_cast<double>(rows) / static_cast<double>(rows - 1) : 1.0;
      std::vector<float>& running_mean = layer_.running_mean();
      std::vector<float>& running_variance = layer_.running_variance();
      for (int64_t j = 0; j < dim_; ++j) {
        const double variance = squares_[j] / static_cast<double>(rows);
        mean_[j] = static_cast<float>(sum_[j]);
        inverse_sd_[j] = static_cast<float>(1.0 / std::sqrt(variance + BatchNorm::kEpsilon));
        running_mean[j] = (1.0f - BatchNorm::kMomentum) * running_mean[j] + BatchNorm::kMomentum * mean_[j];
        running_variance[j] = (1.0f - BatchNorm::kMomentum) * running_variance[j] + BatchNorm::kMomentum * static_cast<float>(variance * unbiased);
      }
    } else {
      for (int64_t j = 0; j < dim_; ++j) {
        mean_[j] = layer_.running_mean()[j];
        inverse_sd_[j] = layer_.RunningInverseSd(j);
      }
    }
    const float* scale = layer_.scale().data();
    const float* shift = layer_.shift().data();
    for (int64_t n = 0; n < rows; ++n) {
      for (int64_t j = 0; j < dim_; ++j) {
        const float x_hat = (b_.x[n * dim_ + j] - mean_[j]) * inverse_sd_[j];
        x_hat_[n * dim_ + j] = x_hat;
        b_.y[n * dim_ + j] = scale[j] * x_hat + shift[j];
      }
    }
    ApplyActivation(layer_.activation(), b_.y, rows * dim_);
  }

  void Backward(int64_t first_row, bool input_grad, bool param_grads) override {
    if (first_row != 0) PassCallerBug("BatchNormPass", absl::StrCat("backward from row ", first_row, ": it normalises over its whole batch"));
    const int64_t rows = b_.batch;
    float* dz = b_.dy;
    ActivationGradientFromOutput(layer_.activation(), b_.y, dz, 0, rows * dim_);
    std::fill(sum_dz_.begin(), sum_dz_.end(), 0.0);
    std::fill(sum_dz_x_hat_.begin(), sum_dz_x_hat_.end(), 0.0);
    for (int64_t n = 0; n < rows; ++n) {
      for (int64_t j = 0; j < dim_; ++j) {
        sum_dz_[j] += dz[n * dim_ + j];
        sum_dz_x_hat_[j] += double{dz[n * dim_ + j]} * x_hat_[n * dim_ + j];
      }
    }
    if (param_grads) {
      for (int64_t j = 0; j < dim_; ++j) {
        layer_.shift_grad()[j] = static_cast<float>(sum_dz_[j]);
        layer_.scale_grad()[j] = layer_.fixed_scale() ? 0.0f : static_cast<float>(sum_dz_x_hat_[j]);
      }
    }
    if (!input_grad) return;
    const float* scale = layer_.scale().data();
    for (int64_t n = 0; n < rows; ++n) {
      for (int64_t j = 0; j < dim_; ++j) {
        const int64_t i = n * dim_ + j;
        const double centred = trained_ ? dz[i] - sum_dz_[j] / static_cast<double>(rows) - x_hat_[i] * sum_dz_x_hat_[j] / static_cast<double>(rows)
                                        : double{dz[i]};
        b_.dx[i] = static_cast<float>(scale[j] * inverse_sd_[j] * centred);
      }
    }
  }

 private:
  BatchNorm& layer_;
  LayerBuffers b_;
  int64_t dim_;
  std::vector<float> x_hat_;       // [batch, dim]
  std::vector<float> mean_;        // [dim]: the batch's mean or the running one
  std::vector<float> inverse_sd_;  // [dim]: 1 / sqrt(variance + epsilon), the batch's or the running one
  // [dim] each, in double: the forward's sums over the rows of x and of
  // (x - mean)^2, the backward's of dz and of dz x_hat.
  std::vector<double> sum_, squares_, sum_dz_, sum_dz_x_hat_;
  bool trained_ = false;
};

// Weight normalisation's W [in, out] = scale * v / |v| per column, from v
// [in, out] and scale [out]; v's column norms go to norms [out].
void WeightNormWeights(const float* v, const float* scale, int64_t in, int64_t out, float* w, float* norms) {
  std::vector<double> squares(out, 0.0);
  for (int64_t i = 0; i < in; ++i) {
    for (int64_t o = 0; o < out; ++o) squares[o] += double{v[i * out + o]} * v[i * out + o];
  }
  for (int64_t o = 0; o < out; ++o) norms[o] = static_cast<float>(std::sqrt(squares[o]));
#pragma omp parallel for
  for (int64_t i = 0; i < in; ++i) {
    for (int64_t o = 0; o < out; ++o) w[i * out + o] = v[i * out + o] * (scale[o] / norms[o]);
  }
}

}  // namespace

void DrawDropoutMask(Rng& rng, float keep_prob, float* mask, int64_t n, const float* x, float* y) {
  // The mask is drawn in a fixed number of chunks, each from its own stream
  // seeded by `rng`, so the chunks can be drawn in parallel and the mask does
  // not depend on the number of threads. Each 64-bit draw decides two
  // elements: keep when its 32-bit half falls below keep_prob * 2^32.
  constexpr int64_t kChunks = 8;
  uint64_t seeds[kChunks];
  for (uint64_t& seed : seeds) seed = rng.NextU64();
  const uint64_t threshold = static_cast<uint64_t>(static_cast<double>(keep_prob) * 4294967296.0);
  const float scale = 1.0f / keep_prob;
  const int64_t chunk = (n + kChunks - 1) / kChunks;
#pragma omp parallel for
  for (int64_t c = 0; c < kChunks; ++c) {
    Rng stream(seeds[c]);
    const int64_t end = std::min(n, (c + 1) * chunk);
    for (int64_t i = c * chunk; i < end; i += 2) {
      const uint64_t bits = stream.NextU64();
      mask[i] = (bits & 0xffffffffu) < threshold ? scale : 0.0f;
      if (i + 1 < end) mask[i + 1] = (bits >> 32) < threshold ? scale : 0.0f;
    }
    if (x == nullptr) continue;
    // While the chunk's mask is in cache.
#pragma omp simd
    for (int64_t i = c * chunk; i < end; ++i) y[i] = x[i] * mask[i];
  }
}

AffineParameters::AffineParameters(int64_t in, int64_t out)
    : in(in), out(out), weights(in * out), weights_grad(in * out), bias(out), bias_grad(out) {}

void AffineParameters::Initialize(float irange, float bias_value, Rng& rng) {
  rng.FillUniform(weights.data(), static_cast<int64_t>(weights.size()), -irange, irange);
  std::fill(bias.begin(), bias.end(), bias_value);
}

void AffineParameters::InitializeJoined(std::vector<Block> joined, float bias_value, Rng& rng) {
  blocks = std::move(joined);
  std::fill(weights.begin(), weights.end(), 0.0f);
  for (const Block& b : blocks) {
    for (int64_t i = b.first_in; i < b.first_in + b.ins; ++i) rng.FillUniform(weights.data() + i * out + b.first_out, b.outs, -b.irange, b.irange);
  }
  std::fill(bias.begin(), bias.end(), bias_value);
}

void AffineParameters::ApplyConstraints() {
  if (!blocks.empty()) {
    // Each row of W (one input column) belongs to one block: zero its other columns.
    for (const Block& b : blocks) {
      for (int64_t i = b.first_in; i < b.first_in + b.ins; ++i) {
        float* row = weights.data() + i * out;
        std::fill(row, row + b.first_out, 0.0f);
        std::fill(row + b.first_out + b.outs, row + out, 0.0f);
      }
    }
  }
  if (max_column_norm <= 0) return;
  std::vector<double> norms(out, 0.0);
  for (int64_t i = 0; i < in; ++i) {
    const float* row = weights.data() + i * out;
    for (int64_t o = 0; o < out; ++o) norms[o] += double{row[o]} * row[o];
  }
  for (int64_t i = 0; i < in; ++i) {
    float* row = weights.data() + i * out;
    for (int64_t o = 0; o < out; ++o) {
      const double norm = std::sqrt(norms[o]);
      if (norm > max_column_norm) row[o] = static_cast<float>(row[o] * (max_column_norm / norm));
    }
  }
}

Linear::Linear(const Shape& input, int64_t units, Activation activation)
    : input_(input), params_(input.size(), units), activation_(activation) {}

std::vector<ParameterRef> AffineParameters::Refs(const std::string& kind) {
  return {{kind + ".weights", weights.data(), weights_grad.data(), in * out, &weights_fold},
          {kind + ".bias", bias.data(), bias_grad.data(), out, &bias_fold}};
}

std::vector<ParameterRef> Linear::Parameters() {
  if (!weight_norm()) return params_.Refs("linear");
  // No folds: W is not a parameter here, and its gradient is turned into v's and the scales'.
  const int64_t in = params_.in, out = params_.out;
  return {{"linear.direction", direction_.data(), direction_grad_.data(), in * out},
          {"linear.scale", scale_.data(), scale_grad_.data(), out},
          {"linear.bias", params_.bias.data(), params_.bias_grad.data(), out}};
}

void Linear::EnableWeightNorm(bool fixed_scale) {
  fixed_scale_ = fixed_scale;
  const int64_t in = params_.in, out = params_.out;
  direction_ = params_.weights;
  direction_grad_.assign(in * out, 0.0f);
  scale_grad_.assign(out, 0.0f);
  norms_.assign(out, 0.0f);
  // The scales start at v's column norms, so W = scale v / |v| is W as it was.
  std::vector<double> squares(out, 0.0);
  for (int64_t i = 0; i < in * out; ++i) squares[i % out] += double{direction_[i]} * direction_[i];
  scale_.resize(out);
  for (int64_t o = 0; o < out; ++o) scale_[o] = static_cast<float>(std::sqrt(squares[o]));
  RefreshWeights();
}

void Linear::RefreshWeights() {
  WeightNormWeights(direction_.data(), scale_.data(), params_.in, params_.out, params_.weights.data(), norms_.data());
}

void Linear::WeightNormGradients() {
  // With u = v / |v| per column: dL/dscale = sum_i dW[i] u[i], and
  // dL/dv = (scale / |v|) (dW - dL/dscale u).
  const int64_t in = params_.in, out = params_.out;
  const float* dw = params_.weights_grad.data();
  std::vector<double> along(out, 0.0);
  for (int64_t i = 0; i < in; ++i) {
    for (int64_t o = 0; o < out; ++o) along[o] += double{dw[i * out + o]} * direction_[i * out + o] / norms_[o];
  }
  for (int64_t o = 0; o < out; ++o) scale_grad_[o] = fixed_scale_ ? 0.0f : static_cast<float>(along[o]);
#pragma omp parallel for
  for (int64_t i = 0; i < in; ++i) {
    for (int64_t o = 0; o < out; ++o) {
      const double u = direction_[i * out + o] / norms_[o];
      direction_grad_[i * out + o] = static_cast<float>(scale_[o] / norms_[o] * (dw[i * out + o] - along[o] * u));
    }
  }
}

std::unique_ptr<LayerPass> Linear::Bind(const LayerBuffers& buffers) {
  return std::make_unique<LinearPass>(*this, buffers);
}

Maxout::Maxout(const Shape& input, int64_t units, int64_t pieces)
    : input_(input), params_(input.size(), units * pieces), units_(units), pieces_(pieces) {}

std::vector<ParameterRef> Maxout::Parameters() { return params_.Refs("maxout"); }

std::unique_ptr<LayerPass> Maxout::Bind(const LayerBuffers& buffers) {
  return std::make_unique<MaxoutPass>(*this, buffers);
}

std::unique_ptr<LayerPass> Dropout::Bind(const LayerBuffers& buffers) {
  return std::make_unique<DropoutPass>(*this, buffers);
}

std::unique_ptr<LayerPass> GaussianNoise::Bind(const LayerBuffers& buffers) {
  return std::make_unique<GaussianNoisePass>(*this, buffers);
}

BatchNorm::BatchNorm(const Shape& shape, Activation activation, bool fixed_scale)
    : shape_(shape), activation_(activation), fixed_scale_(fixed_scale), shift_(shape.size(), 0.0f), shift_grad_(shape.size(), 0.0f),
      scale_(shape.size(), 1.0f), scale_grad_(shape.size(), 0.0f), running_mean_(shape.size(), 0.0f),
      running_variance_(shape.size(), 1.0f), zero_grad_(shape.size(), 0.0f) {}

std::vector<ParameterRef> BatchNorm::Parameters() {
  const int64_t n = shape_.size();
  return {{"batch_norm.shift", shift_.data(), shift_grad_.data(), n},
          {"batch_norm.scale", scale_.data(), scale_grad_.data(), n},
          {"batch_norm.running_mean", running_mean_.data(), zero_grad_.data(), n},
          {"batch_norm.running_variance", running_variance_.data(), zero_grad_.data(), n}};
}

std::unique_ptr<LayerPass> BatchNorm::Bind(const LayerBuffers& buffers) {
  return std::make_unique<BatchNormPass>(*this, buffers);
}

namespace {

// z[n, o] = sum_i x[n, i] W[i, o] + b[o], in double.
std::vector<double> ReferenceAffine(const std::vector<double>& x, int64_t batch, int64_t in, int64_t out,
                                    const std::vector<double>& w, const std::vector<double>& b) {
  std::vector<double> z(batch * out);
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t o = 0; o < out; ++o) {
      double sum = b[o];
      for (int64_t i = 0; i < in; ++i) sum += x[n * in + i] * w[i * out + o];
      z[n * out + o] = sum;
    }
  }
  return z;
}

// y = x W + b as a Gemm on x's flat features (an image input is flattened
// first), with b [out] and W stored transposed, [out, in], with transB = 1:
// the form PyTorch's Linear exports, and the only one OpenCV's importer reads
// (it takes B as [out, in] whatever transB says).
std::string AddAffine(InferenceGraph& graph, std::string x, const Shape& input, const AffineParameters& p, const std::string& prefix) {
  if (input.is_image()) x = graph.AddNode("Flatten", {x}, prefix + ".flat", {{"axis", {1}, false}});
  std::vector<float> transposed(p.weights.size());
  for (int64_t i = 0; i < p.in; ++i) {
    for (int64_t o = 0; o < p.out; ++o) transposed[o * p.in + i] = p.weights[i * p.out + o];
  }
  const std::string w = graph.AddFloats(prefix + ".weight", {p.out, p.in}, transposed.data());
  const std::string b = graph.AddFloats(prefix + ".bias", {p.out}, p.bias.data());
  return graph.AddNode("Gemm", {x, w, b}, prefix + ".affine", {{"transB", {1}, false}});
}

}  // namespace

std::vector<double> Linear::EffectiveWeights(const std::vector<double>& v, const std::vector<double>& scale) const {
  const int64_t in = params_.in, out = params_.out;
  std::vector<double> norms(out, 0.0), w(in * out);
  for (int64_t i = 0; i < in * out; ++i) norms[i % out] += v[i] * v[i];
  for (int64_t i = 0; i < in * out; ++i) w[i] = v[i] * scale[i % out] / std::sqrt(norms[i % out]);
  return w;
}

void Linear::InitializeFromData(const std::vector<double>& x, int64_t batch) {
  if (!weight_norm()) return;
  const int64_t out = params_.out;
  const std::vector<double> unit_scales(out, 1.0), zero_bias(out, 0.0);
  const std::vector<double> v(direction_.begin(), direction_.end());
  // t = x v / |v| per unit, then scale = 1 / sd(t) and b = -mean(t) / sd(t).
  const std::vector<double> t = ReferenceAffine(x, batch, params_.in, out, EffectiveWeights(v, unit_scales), zero_bias);
  for (int64_t o = 0; o < out; ++o) {
    double sum = 0, squares = 0;
    for (int64_t n = 0; n < batch; ++n) sum += t[n * out + o];
    const double mean = sum / static_cast<double>(batch);
    for (int64_t n = 0; n < batch; ++n) squares += (t[n * out + o] - mean) * (t[n * out + o] - mean);
    const double sd = std::sqrt(squares / static_cast<double>(batch)) + 1e-8;
    scale_[o] = static_cast<float>(1.0 / sd);
    params_.bias[o] = static_cast<float>(-mean / sd);
  }
  RefreshWeights();
}

std::vector<double> Linear::ReferenceForward(const std::vector<double>& x, int64_t batch,
                                             const std::vector<std::vector<double>>& params, bool, std::vector<Rng>&) const {
  std::vector<double> y = weight_norm() ? ReferenceAffine(x, batch, params_.in, params_.out, EffectiveWeights(params[0], params[1]), params[2])
                                         : ReferenceAffine(x, batch, params_.in, params_.out, params[0], params[1]);
  for (double& v : y) v = ReferenceActivation(activation_, v);
  return y;
}

std::string Linear::AddToInferenceGraph(InferenceGraph& graph, const std::string& x, const std::string& prefix) const {
  std::string y;
  if (weight_norm()) {
    // W as the forward computes it from v and the scales (the parameters may have been read since the last forward).
    AffineParameters effective = params_;
    std::vector<float> norms(params_.out);
    WeightNormWeights(direction_.data(), scale_.data(), params_.in, params_.out, effective.weights.data(), norms.data());
    y = AddAffine(graph, x, input_, effective, prefix);
  } else {
    y = AddAffine(graph, x, input_, params_, prefix);
  }
  return AddActivationNode(graph, activation_, y, prefix);
}

std::vector<double> Maxout::ReferenceForward(const std::vector<double>& x, int64_t batch,
                                             const std::vector<std::vector<double>>& params, bool, std::vector<Rng>&) const {
  const std::vector<double> z = ReferenceAffine(x, batch, params_.in, params_.out, params[0], params[1]);
  std::vector<double> y(batch * units_);
  for (int64_t i = 0; i < batch * units_; ++i) y[i] = *std::max_element(z.begin() + i * pieces_, z.begin() + (i + 1) * pieces_);
  return y;
}

std::string Maxout::AddToInferenceGraph(InferenceGraph& graph, const std::string& x, const std::string& prefix) const {
  const std::string z = AddAffine(graph, x, input_, params_, prefix);
  // Columns u * pieces + p hold unit u's pieces: [batch, units, pieces], then the max over pieces.
  const std::string shape = graph.AddInt64s(prefix + ".shape", {-1, units_, pieces_});
  const std::string pieces = graph.AddNode("Reshape", {z, shape}, prefix + ".pieces");
  return graph.AddNode("ReduceMax", {pieces}, prefix + ".maxout", {{"axes", {2}, true}, {"keepdims", {0}, false}});
}

std::vector<double> Dropout::ReferenceForward(const std::vector<double>& x, int64_t batch, const std::vector<std::vector<double>>&,
                                              bool training, std::vector<Rng>& replay) const {
  if (!training) return x;
  const int64_t n = batch * shape_.size();
  std::vector<float> mask(n);
  DrawDropoutMask(replay[0], keep_prob_, mask.data(), n);
  std::vector<double> y = x;
  for (int64_t i = 0; i < n; ++i) y[i] *= mask[i];
  return y;
}

std::vector<double> GaussianNoise::ReferenceForward(const std::vector<double>& x, int64_t batch, const std::vector<std::vector<double>>&,
                                                   bool training, std::vector<Rng>& replay) const {
  if (!training) return x;
  const int64_t n = batch * shape_.size();
  std::vector<float> noise(n);
  replay[0].FillNormal(noise.data(), n);
  std::vector<double> y = x;
  for (int64_t i = 0; i < n; ++i) y[i] += static_cast<double>(stddev_) * noise[i];
  return y;
}

std::vector<double> BatchNorm::ReferenceForward(const std::vector<double>& x, int64_t batch, const std::vector<std::vector<double>>& params,
                                                bool training, std::vector<Rng>&) const {
  const int64_t dim = shape_.size();
  const std::vector<double>&shift = params[0], &scale = params[1];
  std::vector<double> mean = params[2], variance = params[3];
  if (training) {
    for (int64_t j = 0; j < dim; ++j) {
      double sum = 0, squares = 0;
      for (int64_t n = 0; n < batch; ++n) sum += x[n * dim + j];
      mean[j] = sum / static_cast<double>(batch);
      for (int64_t n = 0; n < batch; ++n) squares += (x[n * dim + j] - mean[j]) * (x[n * dim + j] - mean[j]);
      variance[j] = squares / static_cast<double>(batch);
    }
  }
  std::vector<double> y(batch * dim);
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t j = 0; j < dim; ++j) {
      const double x_hat = (x[n * dim + j] - mean[j]) / std::sqrt(variance[j] + kEpsilon);
      y[n * dim + j] = ReferenceActivation(activation_, scale[j] * x_hat + shift[j]);
    }
  }
  return y;
}

std::string BatchNorm::AddToInferenceGraph(InferenceGraph& graph, const std::string& x, const std::string& prefix) const {
  // At inference the layer is affine per value: y = act(x a + c) with
  // a = scale / sqrt(running variance + epsilon), c = shift - running mean * a
  // (a as the pass's inference forward rounds it: scale times 1 / sd),
  // as constants of one example's shape that broadcast over the batch.
  const int64_t dim = shape_.size();
  std::vector<float> a(dim), c(dim);
  for (int64_t j = 0; j < dim; ++j) {
    a[j] = scale_[j] * RunningInverseSd(j);
    c[j] = shift_[j] - running_mean_[j] * a[j];
  }
  std::vector<int64_t> dims = {1};
  dims.insert(dims.end(), shape_.dims().begin(), shape_.dims().end());
  const std::string scaled = graph.AddNode("Mul", {x, graph.AddFloats(prefix + ".multiplier", dims, a.data())}, prefix + ".scaled");
  const std::string y = graph.AddNode("Add", {scaled, graph.AddFloats(prefix + ".offset", dims, c.data())}, prefix + ".normalised");
  return AddActivationNode(graph, activation_, y, prefix);
}

}  // namespace gan
