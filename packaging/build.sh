#!/usr/bin/env bash
# Build the one-folder app dist/sefa-desktop/ with PyInstaller, then smoke-test it.
#
#   packaging/build.sh                 # CPU build with .venv/bin/python (or $PYTHON)
#   PYTHON=/path/to/python packaging/build.sh
#   SEFA_BUILD_FLAVOUR=cuda packaging/build.sh   # bundle a CUDA torch and its nvidia-* libraries
#   packaging/build.sh --no-smoke      # skip the smoke test of the result
#
# Runs on the platform it targets (PyInstaller does not cross-compile): Linux → dist/sefa-desktop/,
# Windows → dist\sefa-desktop\sefa-desktop.exe, macOS → also dist/SeFa Desktop.app.
set -euo pipefail
cd "$(dirname "$0")/.."
smoke=1
for arg in "$@"; do
  case "$arg" in
    --no-smoke) smoke=0 ;;
    *) echo "usage: packaging/build.sh [--no-smoke]" >&2; exit 2 ;;
  esac
done
if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
flavour="${SEFA_BUILD_FLAVOUR:-cpu}"
export SEFA_BUILD_FLAVOUR="$flavour"

# PyInstaller is in the [packaging] extra; install just it when missing (not the project itself).
if ! "$PYTHON" -c "import PyInstaller" 2>/dev/null; then
  echo "installing PyInstaller into $("$PYTHON" -c 'import sys; print(sys.prefix)')" >&2
  "$PYTHON" -m pip install -q "pyinstaller>=6.10,<7"
fi

# The CUDA trap: with a CUDA torch in the venv, PyInstaller's torch hook bundles every nvidia-* wheel
# (several GB). A CPU build needs a CPU torch: pip install torch==2.13.0 --index-url .../whl/cpu
cuda="$("$PYTHON" -c 'import torch; print(torch.version.cuda or "")')"
if [ "$flavour" = cpu ] && [ -n "$cuda" ]; then
  echo "error: this venv has a CUDA torch (CUDA $cuda); a CPU build needs the CPU wheel, or set SEFA_BUILD_FLAVOUR=cuda" >&2
  exit 1
fi

"$PYTHON" tools/render_icons.py --check || {
  echo "error: icons are out of date with packaging/icons/sefa-desktop.svg: run tools/render_icons.py" >&2
  exit 1
}

start=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build sefa-desktop.spec
took=$(( $(date +%s) - start ))
bundle=dist/sefa-desktop
echo "built $bundle ($flavour) in ${took} s: $(du -sh "$bundle" | cut -f1), $(find "$bundle" -type f | wc -l) files"

if [ "$smoke" = 1 ]; then
  exe="$bundle/sefa-desktop"
  [ -x "$exe" ] || exe="$bundle/sefa-desktop.exe"
  QT_QPA_PLATFORM=offscreen "$exe" --smoke-test
fi
