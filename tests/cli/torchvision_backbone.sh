#!/usr/bin/env bash
# A torchvision network as sim's trunk, end to end: scripts/torchvision-backbone.py traces
# Debian's python3-torchvision resnet18 (random weights: a user loads pretrained ones with
# --weights); sim-train trains only the head on top of it (--freeze-backbone) on an RGB image
# folder at 64x64; the trunk stored in the model file has the traced weights, unchanged, and
# still normalises as traced; sim-embed, sim-index and sim-query run on the model.
# Usage: torchvision_backbone.sh BIN_DIR FIXTURES_DIR
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$(cd "$1" && pwd)"
fx="$(cd "$2" && pwd)"
root="$(cd "$here/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"
py=/usr/bin/python3
$py -c "import torch, torchvision" ||
  { echo "FAIL: python3-torch and python3-torchvision are test packages (scripts/setup.sh)" >&2; exit 1; }

expect 0 "512 features per 64x64 RGB image" "$root/scripts/torchvision-backbone.py" resnet18 -o r18.pt
expect 0 "" "$bin/sim-train" "$fx/images" -o r18.sim --backbone r18.pt --freeze-backbone --image-size 64 \
  --channels 3 --epochs 2 --threads 2 --seed 1
expect 0 "architecture: script" "$bin/sim-info" r18.sim
grep -q "input: 3x64x64 image" out || fail "the model does not read 3x64x64 images: $(cat out)"
$py - r18.sim r18.pt <<'PY' || fail "the trunk in the model file is not the frozen traced resnet18"
import io, struct, sys
import torch
b = open(sys.argv[1], "rb").read()
sections, at = {}, 12
while b[at:at + 4] != b"END ":
    n, = struct.unpack_from("<Q", b, at + 4)
    sections[b[at:at + 4].decode()] = b[at + 12:at + 12 + n]
    at += 12 + n
stored = torch.jit.load(io.BytesIO(sections["SCPT"])).state_dict()
traced = torch.jit.load(sys.argv[2]).state_dict()
assert stored.keys() == traced.keys(), "other parameters"
changed = [k for k in traced if not torch.equal(stored[k], traced[k])]
assert not changed, f"--freeze-backbone changed {changed[:3]}"
assert torch.allclose(stored["mean"].flatten(), torch.tensor([0.485, 0.456, 0.406])), "no ImageNet normalisation"
PY
expect 0 "" "$bin/sim-embed" -m r18.sim "$fx/images" -o e.h5
expect 0 "" "$bin/sim-index" -i e.h5 -o e.idx
expect 0 "circle" "$bin/sim-query" e.idx -i e.h5 -k 1
expect 1 "has no model 'resnet7'" "$root/scripts/torchvision-backbone.py" resnet7 -o bad.pt
finish
