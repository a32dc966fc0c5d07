"""Writes two models with the same graph of LAYERS Linear layers (MatMul + Add) of width
WIDTH: big.onnx with real float32 weights (~1 GB at 250 x 1024), tiny.onnx whose
initializers are 1-element tensors. Usage: generate_linear_stack.py OUT_DIR LAYERS WIDTH."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out, layers, width = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)


def build(tiny):
    nodes, inits = [], []
    value = "x"
    for i in range(layers):
        w = np.zeros((1, 1), np.float32) if tiny else rng.standard_normal((width, width), dtype=np.float32)
        b = np.zeros((1,), np.float32) if tiny else rng.standard_normal((width,), dtype=np.float32)
        inits += [numpy_helper.from_array(w, f"fc{i}.weight"), numpy_helper.from_array(b, f"fc{i}.bias")]
        nodes += [helper.make_node("MatMul", [value, f"fc{i}.weight"], [f"h{i}"], name=f"fc{i}/MatMul"),
                  helper.make_node("Add", [f"h{i}", f"fc{i}.bias"], [f"y{i}"], name=f"fc{i}/Add")]
        value = f"y{i}"
    graph = helper.make_graph(nodes, "linear_stack", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", width])],
                              [helper.make_tensor_value_info(value, TensorProto.FLOAT, ["N", width])], inits)
    model = helper.make_model(graph, producer_name="ml-hygiene-bench", opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


for name, tiny in (("tiny.onnx", True), ("big.onnx", False)):
    onnx.save(build(tiny), os.path.join(out, name))
