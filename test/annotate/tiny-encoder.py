"""Writes a tiny ONNX image encoder for the tests: [N, 3, 32, 32] float32 in, [N, 96] out.

Each output is the mean of one pixel row of one channel, so the embedding describes the picture's
vertical colour profile: a horizontally mirrored copy embeds exactly the same, while its pixel
hashes differ. Built with Debian's python3-onnx: /usr/bin/python3 tiny-encoder.py out.onnx
"""
import sys

import onnx
from onnx import TensorProto, helper

size = 32
pixels = helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["N", 3, size, size])
embedding = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", 3 * size])
shape = helper.make_tensor("shape", TensorProto.INT64, [2], [0, 3 * size])
graph = helper.make_graph(
    [
        helper.make_node("ReduceMean", ["pixels"], ["rows"], axes=[3], keepdims=0),
        helper.make_node("Reshape", ["rows", "shape"], ["embedding"]),
    ],
    "row_profile_encoder",
    [pixels],
    [embedding],
    initializer=[shape],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
