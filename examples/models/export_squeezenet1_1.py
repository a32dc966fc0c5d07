"""Re-creates squeezenet1_1.onnx: torchvision SqueezeNet 1.1, 10 classes, seeded random weights, dynamic batch."""
import pathlib

import torch
import torchvision

torch.manual_seed(0)
m = torchvision.models.squeezenet1_1(weights=None, num_classes=10).eval()
x = torch.randn(1, 3, 224, 224)
torch.onnx.export(m, x, str(pathlib.Path(__file__).with_name("squeezenet1_1.onnx")), input_names=["image"], output_names=["logits"],
                  dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13, do_constant_folding=True)
