#ifndef EXPORT_GENERATOR_FILE_H_
#define EXPORT_GENERATOR_FILE_H_

// The trained generator an inference experiment (Experiment.inference)
// inverts, read from its inference.generator_file: a checkpoint of a GAN run
// (G, or G's moving average), or an ONNX generator this project's exporter
// wrote (export/onnx_export.h), whose Gemm weights are read back into the
// experiment's `generator` net. An ONNX file is read back exactly: the net
// with the weights read is exported again and must give the file's graph and
// tensors bit for bit, so a file of another form is refused, never misread.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gan/nets/mlp.h"
#include "gan/spec/experiment.pb.h"

namespace gan::exporter {

struct GeneratorFile {
  std::unique_ptr<Mlp> generator;  // the experiment's `generator` with the file's parameters
  std::string sha256;              // of the file, in hex
};

// Reads `experiment`'s inference.generator_file (a path ending in .onnx is
// read as ONNX, any other as a checkpoint). The file's generator must be the
// experiment's `generator`, and its noise the experiment's `noise` and
// noise_dim; it must sample from noise alone (not a conditional model, an
// inpainter or an autoencoder other than a variational one). Errors name the
// file and the field or tensor that differs.
absl::StatusOr<GeneratorFile> LoadGeneratorFile(const proto::Experiment& experiment);

}  // namespace gan::exporter

#endif  // EXPORT_GENERATOR_FILE_H_
