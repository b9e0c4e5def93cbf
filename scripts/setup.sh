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

# Debian packages, keyed by the command each one provides.
declare -A pkg_for=([ffmpeg]=ffmpeg [ffprobe]=ffmpeg [redis-server]=redis-server [yt-dlp]=yt-dlp)
missing=()
for cmd in ffmpeg ffprobe redis-server yt-dlp; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${pkg_for[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: $pkgs" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $pkgs >&2
  else
    echo "clipmill needs these programs: $pkgs" >&2
    echo "Install them with: sudo apt-get install $pkgs   (or your system's package manager)" >&2
    exit 1
  fi
fi

# chromium for the browser tests of `clipmill serve` and `clipmill report` (test/report).
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CLIPMILL_CHROMIUM:-}" ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian package: chromium (for the dashboard and report tests)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends chromium >&2
  else
    echo "note: the dashboard and report tests need chromium: sudo apt-get install chromium (or set CLIPMILL_CHROMIUM to a Chromium binary)" >&2
  fi
fi
