#ifndef GAN_NETS_INFERENCE_GRAPH_H_
#define GAN_NETS_INFERENCE_GRAPH_H_

// What a layer writes of itself into an exported inference graph (ONNX
// operators and constants), without gan/ depending on an exporter: each layer
// calls these, and export/ implements them for ONNX.

#include <cstdint>
#include <string>
#include <vector>

namespace gan {

// An integer attribute of a node, one value (`ints` of size 1, is_list false)
// or a list.
struct NodeAttribute {
  std::string name;
  std::vector<int64_t> ints;
  bool is_list = false;
};

class InferenceGraph {
 public:
  virtual ~InferenceGraph() = default;
  // A constant tensor named `name` (row-major `dims`); returns the name.
  virtual std::string AddFloats(const std::string& name, const std::vector<int64_t>& dims, const float* values) = 0;
  virtual std::string AddInt64s(const std::string& name, const std::vector<int64_t>& values) = 0;  // one dimension
  // A node of operator `op` (ONNX's names: Gemm, Relu, Reshape, ...) with one
  // output named `output`; returns the output's name.
  virtual std::string AddNode(const std::string& op, const std::vector<std::string>& inputs, const std::string& output,
                              const std::vector<NodeAttribute>& attributes = {}) = 0;
};

}  // namespace gan

#endif  // GAN_NETS_INFERENCE_GRAPH_H_
