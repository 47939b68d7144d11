#ifndef EXPORT_ONNX_EXPORT_H_
#define EXPORT_ONNX_EXPORT_H_

// A trained generator (or discriminator) as an ONNX model that inference
// runtimes load: opset 17, IR version 8 (what ONNX 1.12 writes; every current
// ONNX Runtime reads it). Each Linear layer is a Gemm with its weights as
// initializers, followed by Relu or Sigmoid; a Maxout layer is a Gemm, a
// Reshape to [batch, units, pieces] and a ReduceMax over the pieces. Dropout
// is the identity at inference and adds no node. The batch dimension is
// dynamic ("batch").
//
//   generator:      z [batch, noise_dim]  ->  x [batch, C*H*W]  (images as [C, H, W])
//   discriminator:  x [batch, C*H*W]      ->  logit [batch, 1], probability [batch, 1] = D(x)
//   encoder:        x [batch, C*H*W]      ->  z [batch, noise_dim]   (an inference net's E)
//
// A conditional model (experiment.conditioning) takes a second input, the
// class y [batch, classes] one-hot, which the graph concatenates after z
// (G) or x (D), as the nets read it in training.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data/dataset.h"
#include "gan/run/trained_model.h"
#include "onnx/onnx_pb.h"

namespace gan::exporter {

constexpr int64_t kOpsetVersion = 17;
constexpr int64_t kIrVersion = 8;

// The model's metadata_props: experiment, network ("generator" or
// "discriminator"), update_mode, seed, image_channels, image_height,
// image_width, noise_dim, noise_distribution ("uniform" with noise_low and
// noise_high, or "normal" with noise_mean and noise_stddev),
// noise_description, dataset, gcn_scale, training_step (what
// //tools:evaluate --onnx needs to score the generator), and what each input
// is (input.z, input.x, and input.y with condition_classes for a conditional
// model; input.observed and input.mask with `inpainting` for an inpainter).
// An inpainter's G takes z, observed and mask [batch, C*H*W] (mask 1 where a
// pixel is missing) and gives the completion x: the observed pixels, and G's
// output on the missing ones; its D takes x, observed and mask.
absl::StatusOr<onnx::ModelProto> ExportGenerator(TrainedModel& model, const data::ImageShape& shape);
absl::StatusOr<onnx::ModelProto> ExportDiscriminator(TrainedModel& model, const data::ImageShape& shape);
// An inference net's encoder (Experiment.inference), with the metadata above
// (the noise is that of the z it outputs) and generator_sha256, the SHA-256
// of the generator file it inverts.
absl::StatusOr<onnx::ModelProto> ExportEncoder(TrainedModel& model, const data::ImageShape& shape);

// Adds one metadata property; a key the model already has is an error (the
// exporter's own keys describe the nets and cannot be overridden).
absl::Status AddMetadata(onnx::ModelProto& model, const std::string& key, const std::string& value);

// The ONNX checker and strict shape inference, in C++; the error says which
// check failed and why.
absl::Status CheckModel(const onnx::ModelProto& model);

// Serialises `model` to `path` with data::WriteFileAtomically: on any error
// nothing is left at `path`.
absl::Status WriteModel(const onnx::ModelProto& model, const std::string& path);

}  // namespace gan::exporter

#endif  // EXPORT_ONNX_EXPORT_H_
