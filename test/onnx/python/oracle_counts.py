"""Test oracle: node, initializer, input and output counts of every model under a folder,
as Python's onnx reads them. Usage: oracle_counts.py MODELS_DIR OUT_JSON.
Files onnx itself cannot load are reported with the reason."""
import json
import os
import sys

import onnx

root, out_path = sys.argv[1], sys.argv[2]
result = {"onnx_version": onnx.__version__, "models": {}, "failures": {}}
for folder, _, names in os.walk(root):
    for name in sorted(names):
        if not name.endswith(".onnx"):
            continue
        path = os.path.join(folder, name)
        rel = os.path.relpath(path, root)
        try:
            model = onnx.load(path, load_external_data=False)
        except Exception as error:  # the reason goes into the report
            result["failures"][rel] = f"{type(error).__name__}: {error}"
            continue
        graph = model.graph
        result["models"][rel] = {
            "irVersion": model.ir_version,
            "opsets": len(model.opset_import),
            "nodes": len(graph.node),
            "initializers": len(graph.initializer),
            "inputs": len(graph.input),
            "outputs": len(graph.output),
            "valueInfo": len(graph.value_info),
            "functions": len(model.functions),
        }
with open(out_path, "w") as out:
    json.dump(result, out)
