#!/usr/bin/env bash
# `npm run build`: compiles src/ to dist/ (JavaScript and .d.ts, plus the non-TypeScript files the
# modules read, such as the dashboard's page assets) from scratch, so no module removed
# from src/ survives in dist/, and stamps the build. With --if-stale it builds only when dist/ is
# missing or anything under src/ (or the compiler settings, or this script) changed since the last build. Builds
# take a lock, so two started at once (tests, set-up) do not remove each other's output.
set -euo pipefail
cd "$(dirname "$0")/.."
stale() {
  [ ! -f dist/.built ] || [ -n "$(find src tsconfig.json tsconfig.build.json package.json scripts/build.sh -newer dist/.built -print -quit)" ]
}
mkdir -p node_modules
exec 9>node_modules/.clipmill-build.lock
flock 9
if [ "${1:-}" = "--if-stale" ] && ! stale; then
  exit 0
fi
echo "build: compiling src/ to dist/" >&2
rm -rf dist
npx tsc -p tsconfig.build.json
# Files the compiled modules read at run time (the dashboard's page script and styles) go beside them.
(cd src && find . -type f ! -name '*.ts' -exec cp --parents {} ../dist/ \;)
touch dist/.built
