"""Times onnx.load inside Python (the interpreter start and imports not counted): median of
REPEATS loads per file, and the process's peak RSS. Usage: time_onnx_load.py REPEATS FILE...
Prints JSON {file: {"medianMs": ..}, "peakRssMiB": ..}."""
import json
import resource
import statistics
import sys
import time

import onnx

repeats = int(sys.argv[1])
result = {}
for path in sys.argv[2:]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model = onnx.load(path)
        times.append((time.perf_counter() - start) * 1000)
        del model
    result[path] = {"medianMs": statistics.median(times)}
result["peakRssMiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
