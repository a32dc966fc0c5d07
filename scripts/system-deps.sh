#!/usr/bin/env bash
# Installs the Debian packages the tests use, when they are missing: Debian's python3
# with onnx (the decoder's test oracle) and torch/torchvision (models exported in test
# setup), and chromium (webview and VS Code end-to-end tests). Idempotent and quiet when
# everything is there; needs root (or sudo) only when something is missing.
set -euo pipefail
packages=(python3 python3-onnx python3-torch python3-torchvision python3-numpy python3-yaml chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "error: these Debian packages are needed and you are not root: ${missing[*]}" >&2
  echo "       install them with: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
