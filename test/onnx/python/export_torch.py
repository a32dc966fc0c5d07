"""Exports the real models the ONNX tests decode, with Debian's torch/torchvision/onnx.
Usage: export_torch.py OUT_DIR. Writes:
  cnn.onnx              torchvision mobilenet_v3_small (random weights), dynamic batch
  transformer.onnx      nn.TransformerEncoder(batch_first=False, enable_nested_tensor=False)
  control_flow.onnx     a scripted module whose loop and branch export as Loop and If
  external/cnn.onnx     the CNN saved with its weights in external/cnn.data
  oracle.json           node/initializer/input/output counts as onnx reads each file, and
                        numpy statistics of the CNN's largest weight
Deterministic: seeded, so the cache key (the script's hash) identifies the output."""
import json
import os
import sys

import onnx
import torch
import torchvision

out = sys.argv[1]
torch.manual_seed(0)
torch.set_num_threads(2)


def export(module, args, path, **kwargs):
    module.eval()
    with torch.no_grad():
        torch.onnx.export(module, args, path, opset_version=17, do_constant_folding=True, **kwargs)


cnn = torchvision.models.mobilenet_v3_small(weights=None)
export(cnn, (torch.randn(1, 3, 224, 224),), os.path.join(out, "cnn.onnx"),
       input_names=["pixels"], output_names=["logits"],
       dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}})

layer = torch.nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=128, batch_first=False)
encoder = torch.nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
export(encoder, (torch.randn(10, 2, 64),), os.path.join(out, "transformer.onnx"),
       input_names=["src"], output_names=["memory"],
       dynamic_axes={"src": {0: "seq", 1: "batch"}, "memory": {0: "seq", 1: "batch"}})


class ControlFlow(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(8, 8)

    def forward(self, x: torch.Tensor, steps: int) -> torch.Tensor:
        for _ in range(steps):
            x = self.linear(x)
            if bool(x.sum() > 0):
                x = torch.relu(x)
            else:
                x = -x
        return x


scripted = torch.jit.script(ControlFlow())
export(scripted, (torch.randn(2, 8), 3), os.path.join(out, "control_flow.onnx"),
       input_names=["x", "steps"], output_names=["y"])

os.makedirs(os.path.join(out, "external"), exist_ok=True)
model = onnx.load(os.path.join(out, "cnn.onnx"))
onnx.save_model(model, os.path.join(out, "external", "cnn.onnx"), save_as_external_data=True,
                all_tensors_to_one_file=True, location="cnn.data", size_threshold=1024)

oracle = {}
for name in ["cnn.onnx", "transformer.onnx", "control_flow.onnx", "external/cnn.onnx"]:
    m = onnx.load(os.path.join(out, name), load_external_data=False)
    ops = sorted({n.op_type for n in m.graph.node})
    oracle[name] = {
        "nodes": len(m.graph.node),
        "initializers": len(m.graph.initializer),
        "inputs": [i.name for i in m.graph.input],
        "outputs": [o.name for o in m.graph.output],
        "opTypes": ops,
        "parameters": int(sum(int(torch.tensor(list(t.dims)).prod().item()) if t.dims else 1 for t in m.graph.initializer)),
        "external": sum(1 for t in m.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL),
    }
# Statistics of the largest CNN weight, computed by numpy, for the weight-statistics test.
from onnx import numpy_helper
import numpy as np
cnn_model = onnx.load(os.path.join(out, "cnn.onnx"))
largest = max(cnn_model.graph.initializer, key=lambda t: int(np.prod(t.dims)))
values = numpy_helper.to_array(largest).astype(np.float64)
oracle["cnn.onnx"]["largestWeight"] = {
    "name": largest.name, "dims": list(largest.dims), "min": float(values.min()), "max": float(values.max()),
    "mean": float(values.mean()), "std": float(values.std()), "zeros": int((values == 0).sum()),
}
with open(os.path.join(out, "oracle.json"), "w") as f:
    json.dump(oracle, f)
