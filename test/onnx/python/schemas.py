"""Dumps every operator schema version Python's onnx knows: {domain: {op: [since_version, ...]}}
(deprecated ones negative), to compare with the TypeScript operator-set table.
Usage: schemas.py OUT_JSON."""
import json
import sys

import onnx.defs

table = {}
for schema in onnx.defs.get_all_schemas_with_history():
    domain = "" if schema.domain == "ai.onnx" else schema.domain
    version = -schema.since_version if schema.deprecated else schema.since_version
    table.setdefault(domain, {}).setdefault(schema.name, []).append(version)
with open(sys.argv[1], "w") as f:
    json.dump({"onnx_version": onnx.__version__, "opset": onnx.defs.onnx_opset_version(), "table": table}, f)
