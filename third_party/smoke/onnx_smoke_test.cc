// ONNX links: a ModelProto built in C++ passes the full checker, and a broken
// one is refused.
#include "gtest/gtest.h"
#include "onnx/checker.h"
#include "onnx/onnx_pb.h"

namespace {

onnx::ModelProto ReluModel() {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("gan-smoke-test");
  model.add_opset_import()->set_version(13);
  onnx::GraphProto* graph = model.mutable_graph();
  graph->set_name("relu");
  onnx::NodeProto* node = graph->add_node();
  node->set_op_type("Relu");
  node->add_input("x");
  node->add_output("y");
  for (auto* value : {graph->add_input(), graph->add_output()}) {
    value->set_name(value == &graph->input(0) ? "x" : "y");
    auto* tensor = value->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(onnx::TensorProto::FLOAT);
    tensor->mutable_shape()->add_dim()->set_dim_param("batch");
    tensor->mutable_shape()->add_dim()->set_dim_value(4);
  }
  return model;
}

TEST(OnnxSmokeTest, BuiltModelPassesChecker) {
  onnx::ModelProto model = ReluModel();
  EXPECT_NO_THROW(onnx::checker::check_model(model));
}

TEST(OnnxSmokeTest, CheckerRefusesUnknownOperator) {
  onnx::ModelProto model = ReluModel();
  model.mutable_graph()->mutable_node(0)->set_op_type("NoSuchOperator");
  EXPECT_THROW(onnx::checker::check_model(model), onnx::checker::ValidationError);
}

}  // namespace
