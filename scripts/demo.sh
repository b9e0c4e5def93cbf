#!/usr/bin/env bash
# `npm run demo`: sets up what is missing, builds a small demo input with ffmpeg (videos with
# hard cuts and a dissolve, a static shot, a broken file, a manifest) and runs clipmill on it,
# then writes the datasheet and says how to open the dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

in=demo-input
out=${1:-demo-out}
mkdir -p "$in"
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }

if [ ! -f "$in/manifest.csv" ]; then
  echo "demo: generating demo videos in $in/" >&2
  # Three shots joined by hard cuts: 4 s + 5 s + 3 s at 25 fps.
  ff -f lavfi -i testsrc2=s=640x360:r=25:d=4 -f lavfi -i mandelbrot=s=640x360:r=25 -f lavfi -i life=s=640x360:r=25:mold=10:ratio=0.5 \
     -filter_complex "[1:v]trim=end_frame=125,setpts=PTS-STARTPTS,format=yuv420p[b];[2:v]trim=end_frame=75,setpts=PTS-STARTPTS,format=yuv420p[c];[0:v]format=yuv420p[a];[a][b][c]concat=n=3:v=1:a=0" \
     -c:v libx264 -preset veryfast "$in/cuts.mp4"
  # Two shots joined by a one-second dissolve, with a sine tone.
  ff -f lavfi -i "testsrc2=s=640x360:r=30:d=5" -f lavfi -i "mandelbrot=s=640x360:r=30:end_scale=0.001" -f lavfi -i "sine=f=440:d=9" \
     -filter_complex "[1:v]trim=duration=5[m];[0:v][m]xfade=transition=fade:duration=1:offset=4,format=yuv420p" -c:v libx264 -preset veryfast -c:a aac -shortest "$in/dissolve.mp4"
  # A still picture held for 6 s: static, dropped by the motion filter.
  ff -f lavfi -i "smptebars=s=640x360:r=25:d=6" -c:v libx264 -preset veryfast -pix_fmt yuv420p "$in/static.mp4"
  # Not a video at all: recorded as a failed source, the run goes on.
  echo "this is not a video" > "$in/broken.mp4"
  {
    echo "url,title,license"
    echo "cuts.mp4,Three shots,CC-BY-4.0"
    echo "dissolve.mp4,A dissolve,CC0-1.0"
    echo "static.mp4,A still,CC-BY-4.0"
    echo "broken.mp4,Broken file,CC-BY-4.0"
  } > "$in/manifest.csv"
fi

node bin/clipmill.js run "$in/manifest.csv" --out "$out" --max-clip 4 --allow-local "$in"
node bin/clipmill.js status "$out"
report=$(node bin/clipmill.js report "$out")
echo
echo "datasheet:  $report   (open it in a browser; it needs no network)"
echo "dashboard:  node bin/clipmill.js serve $out   (then open http://127.0.0.1:8470/)"
