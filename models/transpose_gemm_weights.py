#!/usr/bin/python3
"""Rewrites an ONNX model from this project's exporter as it was before
Gemm weights were stored as [out, in] with transB = 1 (the form PyTorch's
Linear exports and OpenCV's importer reads): each Gemm whose B is a constant
[in, out] with transB = 0 gets B transposed and transB = 1. Nothing else
changes, so the model computes the same function; the metadata gains
gemm_weights saying so. Used once, for models/mnist_generator.onnx, whose
checkpoint no machine holds any more:

    /usr/bin/python3 models/transpose_gemm_weights.py IN.onnx OUT.onnx

Needs Debian's python3-onnx (apt-get install python3-onnx).
"""
import sys

import onnx
from onnx import helper, numpy_helper


def main(source, destination):
    model = onnx.load(source)
    constants = {tensor.name: tensor for tensor in model.graph.initializer}
    rewritten = 0
    for node in model.graph.node:
        if node.op_type != "Gemm":
            continue
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if attributes.get("transB", 0) == 1:
            continue
        if attributes.get("transA", 0) != 0 or node.input[1] not in constants:
            sys.exit(f"{source}: Gemm '{node.name}' is not the exporter's form (transA = 0, B a constant)")
        weights = constants[node.input[1]]
        transposed = numpy_helper.to_array(weights).T.copy()
        weights.CopyFrom(numpy_helper.from_array(transposed, weights.name))
        kept = [a for a in node.attribute if a.name != "transB"]
        del node.attribute[:]
        node.attribute.extend(kept + [helper.make_attribute("transB", 1)])
        rewritten += 1
    entry = model.metadata_props.add()
    entry.key = "gemm_weights"
    entry.value = (f"[out, in] with transB = 1: {rewritten} Gemm weights transposed from the original export "
                   "by models/transpose_gemm_weights.py")
    onnx.checker.check_model(model)
    onnx.save(model, destination)
    print(f"{destination}: {rewritten} Gemm nodes rewritten")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
