#!/usr/bin/env bash
# Installs what clipmill needs: npm packages, and ffmpeg/ffprobe, redis-server and yt-dlp from Debian
# when they are missing (with apt-get when running as root; otherwise says what to install).
# chromium, which only the dashboard and report tests drive, is installed the same way when
# missing, but its absence stops nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "clipmill needs Node.js 20 or newer (found $(node --version))." >&2
  exit 1
fi

# npm packages: install when node_modules is missing or older than package.json.
# playwright-core drives the system chromium; it must never download a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages" >&2
  npm install --no-audit --no-fund --loglevel=error >&2
fi

# The compiled CLI and library, when dist/ is missing or older than src/.
bash scripts/build.sh --if-stale >&2

# Installs Debian packages (as root, with apt-get), or says what to install and fails.
apt_install() {
  local why=$1
  shift
  [ $# -gt 0 ] || return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages ($why): $*" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "$@" >&2
  else
    echo "$why need these Debian packages: $*" >&2
    echo "Install them with: sudo apt-get install $*   (or your system's package manager)" >&2
    exit 1
  fi
}

# Debian packages, keyed by the command each one provides.
declare -A pkg_for=([ffmpeg]=ffmpeg [ffprobe]=ffmpeg [redis-server]=redis-server [yt-dlp]=yt-dlp)
missing=()
for cmd in ffmpeg ffprobe redis-server yt-dlp; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${pkg_for[$cmd]}")
done
# shellcheck disable=SC2046
apt_install "clipmill" $(printf '%s\n' "${missing[@]}" | sort -u)

# `setup.sh --for-tests` (npm test): what only the tests use. chromium drives the dashboard and
# report tests (test/report); Debian's python3-onnx builds the tests' tiny image encoder, and
# python3-yaml reads the dataset card's front matter.
if [ "${1:-}" = --for-tests ]; then
  test_pkgs=()
  command -v chromium >/dev/null 2>&1 || [ -n "${CLIPMILL_CHROMIUM:-}" ] || test_pkgs+=(chromium)
  /usr/bin/python3 -c 'import onnx' >/dev/null 2>&1 || test_pkgs+=(python3-onnx)
  /usr/bin/python3 -c 'import yaml' >/dev/null 2>&1 || test_pkgs+=(python3-yaml)
  # The egress-guard test serves https with a certificate it makes.
  command -v openssl >/dev/null 2>&1 || test_pkgs+=(openssl)
  apt_install "the tests" "${test_pkgs[@]}"
fi
