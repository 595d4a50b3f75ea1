#!/usr/bin/env bash
# Time per epoch of sim-train over a torchvision trunk: scripts/torchvision-backbone.py traces
# resnet18 (random weights: the time does not depend on them), then sim-train trains sim's head on
# it over 1,000 Fashion-MNIST training images (100 per class) read as 64x64 RGB, with the trunk
# frozen (--freeze-backbone) and trainable. Prints each run's images per second and seconds per
# epoch (the second epoch: the first also pays for LibTorch's warm-up).
#
#   scripts/bench/torchvision_trunk.sh [ARCH]   (default resnet18)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/scripts/setup.sh" --programs >&2
bin="${SIM_BUILD_DIR:-$root/build}/tools"
arch="${1:-resnet18}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$root/scripts/torchvision-backbone.py" "$arch" -o "$tmp/trunk.pt" --image-size 64 >&2
for mode in frozen trainable; do
  flags=()
  [[ $mode == frozen ]] && flags=(--freeze-backbone)
  "$bin/sim-train" /usr/share/datasets/fashion-mnist --per-class 100 --val-split 0 --image-size 64 --channels 3 \
    --backbone "$tmp/trunk.pt" "${flags[@]}" --epochs 2 --threads 2 -o "$tmp/$mode.sim" 2>"$tmp/$mode.log"
  line="$(grep "epoch 2/2: " "$tmp/$mode.log")"
  echo "$arch $mode, 64x64 RGB, 2 threads: $(sed 's/.*epoch 2\/2: //' <<<"$line")"
done
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
