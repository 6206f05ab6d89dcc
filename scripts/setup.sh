#!/usr/bin/env bash
# Installs what wgrl needs when it is missing, saying what it installs:
#   npm packages (node_modules), and for GPU-less machines Debian's chromium
#   (ships SwiftShader's Vulkan driver, also the browser for the demo test) and libvulkan1.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -e /usr/lib/chromium/vk_swiftshader_icd.json ] && [ -x /usr/bin/chromium ] || need_apt+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' || need_apt+=(libvulkan1)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "wgrl setup: installing Debian packages: ${need_apt[*]} (SwiftShader Vulkan driver and headless browser)"
  if [ "$(id -u)" != 0 ]; then
    echo "wgrl setup: not root; run: sudo apt-get install -y ${need_apt[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# package-lock.json's hash tells whether node_modules matches it.
stamp=node_modules/.wgrl-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "wgrl setup: installing npm packages (npm ci)"
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
