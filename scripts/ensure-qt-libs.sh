#!/usr/bin/env bash
# Qt's offscreen and xcb platforms need a few system libraries that bare machines (CI, containers)
# lack. Install them with apt when we can (root + apt-get); otherwise say what is missing.
set -euo pipefail
need=()
for lib in libEGL.so.1 libGL.so.1 libxkbcommon.so.0 libfontconfig.so.1 libfreetype.so.6 \
           libglib-2.0.so.0 libdbus-1.so.3; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || need+=("$lib")
done
fc-list 2>/dev/null | grep -q . || need+=("fonts")
[ ${#need[@]} -eq 0 ] && exit 0
pkgs="libegl1 libgl1 libxkbcommon0 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3 fonts-dejavu-core"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Qt runtime libraries: ${need[*]}" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
else
  echo "warning: missing ${need[*]}; install: sudo apt-get install $pkgs" >&2
fi
