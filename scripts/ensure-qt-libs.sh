#!/usr/bin/env bash
# Qt's offscreen and xcb platforms need a few system libraries that bare machines (CI, containers)
# lack. Install them with apt when we can (root + apt-get); otherwise say what is missing.
# `--gui` adds the xcb set that a real X11 display needs (the tests only need offscreen).
set -euo pipefail
libs="libEGL.so.1 libGL.so.1 libxkbcommon.so.0 libfontconfig.so.1 libfreetype.so.6 libglib-2.0.so.0 libdbus-1.so.3"
pkgs="libegl1 libgl1 libxkbcommon0 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3 fonts-dejavu-core"
if [ "${1:-}" = "--gui" ]; then
  libs="$libs libxcb-cursor.so.0 libxcb-icccm.so.4 libxcb-image.so.0 libxcb-keysyms.so.1 libxcb-randr.so.0"
  libs="$libs libxcb-render-util.so.0 libxcb-shape.so.0 libxcb-xfixes.so.0 libxcb-xkb.so.1 libxkbcommon-x11.so.0"
  pkgs="$pkgs libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0"
  pkgs="$pkgs libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libxkbcommon-x11-0"
fi
need=()
# Read the lists once: `ldconfig -p | grep -q` under pipefail fails at random (SIGPIPE).
known=$(ldconfig -p 2>/dev/null || true)
for lib in $libs; do
  [[ "$known" == *"$lib"* ]] || need+=("$lib")
done
[ -n "$(fc-list 2>/dev/null || true)" ] || need+=("fonts")
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Qt runtime libraries: ${need[*]}" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
else
  echo "warning: missing ${need[*]}; install: sudo apt-get install $pkgs" >&2
fi
