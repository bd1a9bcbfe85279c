#!/usr/bin/env bash
# Install pose3d_toolbox and everything it needs on a fresh Python 3.11.
#   bash tools/install.sh          # the toolbox (editable) and its runtime
#   bash tools/install.sh tests    # ... plus what the test suite needs
#                                  # (with the deploy extra: onnx, onnxruntime)
#   bash tools/install.sh deploy   # the toolbox plus ONNX export / runtime
# xtcocotools is compiled from source against the installed numpy, without
# build isolation: its prebuilt wheel fails to import under numpy 2
# ("numpy.dtype size changed"). Packages already installed are left alone.
# With "tests", a missing Chromium (headless, for the HTML viewer's test) is
# installed from Debian's packages (apt-get; needs root).
set -euo pipefail
cd "$(dirname "$0")/.."
PIP="python -m pip install --disable-pip-version-check"
$PIP -r requirements/build.txt
EXTRA=""
[ "${1:-}" = "tests" ] && EXTRA="[tests]"
[ "${1:-}" = "deploy" ] && EXTRA="[deploy]"
if [ "$EXTRA" = "[tests]" ] && ! command -v chromium >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
$PIP --no-build-isolation --no-binary xtcocotools -e ".$EXTRA"
python -c "from xtcocotools.coco import COCO; import torch, mmengine, mmcv; \
print('pose3d_toolbox installed: torch', torch.__version__, '| mmengine', \
mmengine.__version__, '| mmcv', mmcv.__version__)"
