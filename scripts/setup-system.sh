#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to run webgrad's WebGPU backend on a
# software driver: Mesa's lavapipe Vulkan driver from
# bookworm-backports (stock bookworm Mesa 22.3 is rejected by Dawn), plus the EGL/GLES
# libraries for the OpenGL ES fallback, and Debian's chromium for the browser end-to-end test.
# Idempotent; needs root (or sudo).
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-system: no apt-get here; install a Vulkan driver (Mesa lavapipe >= 24) by hand" >&2
  exit 0
fi

# Headless Chromium for the browser end-to-end test (examples/test/web.e2e.test.ts), driven by
# playwright-core; playwright's own browser download cannot reach its host from here.
# Required under CI=true; elsewhere a failure only means that test skips.
if [ ! -x /usr/bin/chromium ]; then
  if $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; then
    echo "setup-system: installed chromium"
  elif [ "${CI:-}" = "true" ]; then
    echo "setup-system: could not install chromium" >&2
    exit 1
  else
    echo "setup-system: could not install chromium; the browser end-to-end test will skip" >&2
  fi
fi

# Graphviz's `dot` renders toDot's graphs as SVG (packages/autograd/src/graphviz.ts, the tour).
if ! command -v dot >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
  echo "setup-system: installed graphviz"
fi

# Already set up? lavapipe's ICD file is the marker.
if ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 && [ -e /usr/lib/x86_64-linux-gnu/libvulkan.so.1 ]; then
  echo "setup-system: lavapipe already installed"
  exit 0
fi

codename=""
if [ -r /etc/os-release ]; then . /etc/os-release; codename="${VERSION_CODENAME:-}"; fi

if [ "$codename" = "bookworm" ]; then
  src=/etc/apt/sources.list.d/debian.sources
  backports=/etc/apt/sources.list.d/webgrad-backports.sources
  if [ ! -f "$backports" ]; then
    # Reuse the mirror of the existing Debian entry; never hard-code a host.
    uri=$(awk '/^URIs:/ {print $2; exit}' "$src" 2>/dev/null || true)
    if [ -z "$uri" ]; then uri=$(awk '/^deb / && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true); fi
    [ -n "$uri" ] || { echo "setup-system: cannot find the Debian mirror in apt sources" >&2; exit 1; }
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" | $SUDO tee "$backports" >/dev/null
  fi
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1
else
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mesa-vulkan-drivers libvulkan1
fi
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libegl1 libgles2 libegl-mesa0 >/dev/null
echo "setup-system: installed Mesa lavapipe (Vulkan) and EGL/GLES"
