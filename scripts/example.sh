#!/usr/bin/env bash
# The main job on the bundled examples, from a fresh clone: install, build, then lint
# the example project (text output), and inspect and benchmark the example model.
set -uo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build --silent
cli="node bin/ml-hygiene.js"
echo "== ml-hygiene lint examples/ml-project"
$cli lint examples/ml-project --no-progress
lint_status=$?
for cmd in inspect bench; do
  if $cli "$cmd" --help >/dev/null 2>&1; then
    echo; echo "== ml-hygiene $cmd examples/models/squeezenet1_1.onnx"
    $cli "$cmd" examples/models/squeezenet1_1.onnx
  fi
done
# Findings in the example project are the point of the demo: exit 1 from lint is expected.
[ "$lint_status" -le 1 ]
