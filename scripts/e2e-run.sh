#!/usr/bin/env bash
# End-to-end tests in a real VS Code (docs/e2e.md).
#   bash scripts/e2e-run.sh            (npm run test:e2e)   code-server + headless chromium
#   bash scripts/e2e-run.sh --vscode   (npm run test:vscode) desktop VS Code via @vscode/test-electron
# Both package the extension (npm run package -> dist/ml-hygiene.vsix) and run the scenarios
# of test/e2e/scenarios.ts on a temporary copy of examples/. Screenshots and logs:
# test-results/e2e/. Ends with mocha's `N passing / N failing / N pending`.
set -uo pipefail
cd "$(dirname "$0")/.."

mode=code-server
[ "${1:-}" = "--vscode" ] && mode=vscode

if [ "$mode" = vscode ]; then
  if ! node -e 'require.resolve("@vscode/test-electron")' 2>/dev/null; then
    echo "npm run test:vscode needs @vscode/test-electron, which is not a dependency of this repo" >&2
    echo "(it downloads VS Code from Microsoft). On a machine that can, install it without saving:" >&2
    echo "  npm install --no-save @vscode/test-electron && npm run test:vscode" >&2
    exit 2
  fi
  npm run --silent package >/dev/null || { echo "e2e: npm run package failed" >&2; exit 1; }
  exec npx tsx test/e2e/vscode/run.ts
fi

start=$(date +%s)
bin=$(bash scripts/e2e-install.sh | tail -1) || { echo "e2e: installing code-server failed" >&2; exit 1; }
[ -x "$bin" ] || { echo "e2e: scripts/e2e-install.sh printed no code-server executable ('$bin')" >&2; exit 1; }
log=$(mktemp)
if ! npm run --silent package >"$log" 2>&1; then
  grep -v '^npm warn' "$log" >&2
  rm -f "$log"
  echo "e2e: npm run package failed" >&2
  exit 1
fi
rm -f "$log"
echo "e2e: code-server and dist/ml-hygiene.vsix ready in $(($(date +%s) - start)) s" >&2

# The whole run is bounded; mocha's own timeouts are per scenario. setsid + kill of the
# group on exit: nothing the run started (code-server, extension host, language server,
# chromium) outlives it.
export ML_HYGIENE_CODE_SERVER="$bin" ML_HYGIENE_VSIX="$PWD/dist/ml-hygiene.vsix"
setsid timeout --kill-after=20 "${ML_HYGIENE_E2E_TIMEOUT:-900}" npx mocha --config test/e2e/mocharc.json "$@" &
pid=$!
trap 'kill -- -$pid 2>/dev/null' EXIT INT TERM
wait $pid
status=$?
[ "$status" -eq 124 ] && echo "e2e: the run took longer than ${ML_HYGIENE_E2E_TIMEOUT:-900} s and was stopped" >&2
exit "$status"
