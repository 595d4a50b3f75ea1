#!/usr/bin/python3
"""Traces a torchvision network into a TorchScript trunk for `sim-train --backbone`.

    scripts/torchvision-backbone.py resnet18 -o resnet18.pt [--weights resnet18.pth] [--image-size 64]
    sim-train photos/ --backbone resnet18.pt --freeze-backbone --image-size 64 --channels 3 -o photos.sim

The network's classifier (`fc`, or `classifier`) is replaced by the identity, so sim's embedding
head sits on its pooled features (512 for resnet18). sim feeds images scaled to [0, 1]; the trunk
normalises them with ImageNet's mean and standard deviation first, as torchvision's pretrained
weights expect. The network is traced in eval mode, so its batch norms keep their statistics
(what --freeze-backbone wants; without it, the convolutions still train).

--weights loads a state_dict saved with torch.save: torchvision's own pretrained files (the
torch.hub cache, ~/.cache/torch/hub/checkpoints/resnet18-f37072fd.pth) or your fine-tuned ones.
Without it the weights are random: enough to test the plumbing, useless for similarity.
Uses Debian's python3-torch and python3-torchvision (scripts/setup.sh installs them).
"""
import argparse
import sys

import torch
import torchvision

IMAGENET_MEAN = (0.485, 0.456, 0.406)  # torchvision's documented normalisation
IMAGENET_STD = (0.229, 0.224, 0.225)


class Trunk(torch.nn.Module):
    """ImageNet normalisation, then the network without its classifier."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def forward(self, x):
        return self.net((x - self.mean) / self.std)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("arch", help="a torchvision.models builder: resnet18, resnet50, mobilenet_v3_small, ...")
    parser.add_argument("-o", "--output", required=True, help="TorchScript file to write")
    parser.add_argument("--weights", help="a state_dict (.pth) to load; default: random weights")
    parser.add_argument("--image-size", type=int, default=64, help="side of the square images to trace with")
    args = parser.parse_args()

    builder = getattr(torchvision.models, args.arch, None)
    if builder is None or not callable(builder):
        sys.exit(f"torchvision-backbone: torchvision {torchvision.__version__} has no model '{args.arch}'")
    net = builder(weights=None)
    if args.weights:
        net.load_state_dict(torch.load(args.weights, map_location="cpu"))
    if hasattr(net, "fc"):
        net.fc = torch.nn.Identity()
    elif hasattr(net, "classifier"):
        net.classifier = torch.nn.Identity()
    else:
        sys.exit(f"torchvision-backbone: '{args.arch}' has neither `fc` nor `classifier` to remove")
    trunk = Trunk(net).eval()
    example = torch.rand(2, 3, args.image_size, args.image_size)
    with torch.no_grad():
        traced = torch.jit.trace(trunk, example)
        width = traced(example).flatten(1).shape[1]
    traced.save(args.output)
    print(f"{args.output}: {args.arch} ({'weights ' + args.weights if args.weights else 'random weights'}), "
          f"{width} features per {args.image_size}x{args.image_size} RGB image")


if __name__ == "__main__":
    main()
