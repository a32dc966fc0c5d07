#!/usr/bin/env bash
# Installs what the end-to-end tests need outside the repo (see docs/e2e.md): the Debian
# packages code-server builds against and the chromium that drives it, then code-server
# (VS Code's real workbench and Node extension host) from the npm registry into a cache
# folder. Pinned versions; idempotent (a second run only checks, in well under a second).
# Prints the path of the code-server executable as its only line on stdout.
#   ML_HYGIENE_E2E_CACHE  where to install (default: ${XDG_CACHE_HOME:-~/.cache}/ml-hygiene-e2e)
set -euo pipefail

# code-server 4.100.3 is VS Code 1.100 and runs on node 20; @vscode/ripgrep 1.15.11 and
# ripgrep v13.0.0-10 are what it pins (the archive name below depends on them).
CODE_SERVER_VERSION=4.100.3
RIPGREP_PKG_VERSION=1.15.11
RIPGREP_ARCHIVE=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

cache="${ML_HYGIENE_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ml-hygiene-e2e}"
cs_home="$cache/code-server-$CODE_SERVER_VERSION"
bin="$cs_home/node_modules/.bin/code-server"
stamp="$cs_home/.installed"

# Debian packages: native-module toolchain for node-pty/kerberos, Debian's rg (fills
# @vscode/ripgrep's download cache), and chromium (the browser the tests drive).
packages=(build-essential python3 pkg-config libkrb5-dev ripgrep chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "e2e-install: installing Debian packages: ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
    echo "e2e-install: these Debian packages are needed and you are not root: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -f "$stamp" ] && [ -x "$bin" ] && [ "$(cat "$stamp")" = "$CODE_SERVER_VERSION" ]; then
  echo "$bin"
  exit 0
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" != 20 ]; then
  echo "e2e-install: code-server $CODE_SERVER_VERSION needs node 20, this is node $(node -v)" >&2
  exit 1
fi

start=$(date +%s)
echo "e2e-install: installing code-server $CODE_SERVER_VERSION into $cs_home (about 1.5 min, 300 MB)" >&2
rm -rf "$cs_home"
mkdir -p "$cs_home"

# @vscode/ripgrep's install step downloads rg from GitHub unless its cache already holds
# the archive: put Debian's rg there under the name it looks for.
rg_cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION"
if [ ! -f "$rg_cache/$RIPGREP_ARCHIVE" ]; then
  stage=$(mktemp -d)
  mkdir -p "$rg_cache"
  cp "$(command -v rg)" "$stage/rg"
  tar czf "$rg_cache/$RIPGREP_ARCHIVE" -C "$stage" rg
  rm -rf "$stage"
fi

# yes=true: node-pty's install runs `npx node-gyp`, which would stop at the prompt.
# nodedir=/usr: build native modules against the local node headers, never download them.
# --unsafe-perm: code-server's install step refuses to run as root without it.
# Run from the cache folder so this repo's .npmrc does not apply.
log="$cache/install-$CODE_SERVER_VERSION.log"
if ! (cd "$cs_home" && npm_config_yes=true npm_config_nodedir=/usr npm_config_update_notifier=false \
  npm install --prefix "$cs_home" --no-audit --no-fund --no-save --unsafe-perm --foreground-scripts \
  "code-server@$CODE_SERVER_VERSION") >"$log" 2>&1; then
  tail -40 "$log" >&2
  echo "e2e-install: npm install code-server@$CODE_SERVER_VERSION failed (log: $log)" >&2
  exit 1
fi
if ! "$bin" --version >/dev/null 2>&1; then
  echo "e2e-install: $bin does not run (log: $log)" >&2
  exit 1
fi
echo "$CODE_SERVER_VERSION" >"$stamp"
echo "e2e-install: code-server $CODE_SERVER_VERSION installed in $(($(date +%s) - start)) s" >&2
echo "$bin"
