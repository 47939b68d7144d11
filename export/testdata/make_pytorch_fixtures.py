#!/usr/bin/python3
"""Writes the PyTorch fixtures of //export:onnx_generator_test: three small
generators in the architectures of eriklindernoren/PyTorch-GAN (`gan`: Linear,
BatchNorm1d, LeakyReLU, Tanh and a view; `dcgan`: Linear, a view, BatchNorm2d,
Upsample, Conv2d, Tanh) and of the DCGAN paper (noise as [batch, d, 1, 1]
into ConvTranspose2d), with random weights, exported by torch.onnx.export as
a user would (dynamic batch; the dcgan one with the batch fixed at 16, as an
export without dynamic_axes leaves it), beside 37 noise rows and PyTorch's
own outputs for them:

    <name>.onnx  <name>.z.f32  <name>.x.f32   (float32, little-endian, row-major)

Run from the repository root with Debian's python3-torch (1.13):

    /usr/bin/python3 export/testdata/make_pytorch_fixtures.py
"""
import os

import numpy as np
import torch
from torch import nn

ROWS, LATENT = 37, 8
HERE = os.path.dirname(os.path.abspath(__file__))


class MlpGenerator(nn.Module):  # PyTorch-GAN's implementations/gan/gan.py, smaller
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(LATENT, 16), nn.BatchNorm1d(16, 0.8), nn.LeakyReLU(0.2, inplace=True),
                                   nn.Linear(16, 784), nn.Tanh())

    def forward(self, z):
        img = self.model(z)
        return img.view(img.size(0), 1, 28, 28)


class UpsampleGenerator(nn.Module):  # PyTorch-GAN's implementations/dcgan/dcgan.py, smaller
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(LATENT, 4 * 7 * 7)
        self.conv_blocks = nn.Sequential(
            nn.BatchNorm2d(4), nn.Upsample(scale_factor=2), nn.Conv2d(4, 4, 3, stride=1, padding=1),
            nn.BatchNorm2d(4, 0.8), nn.LeakyReLU(0.2, inplace=True), nn.Upsample(scale_factor=2),
            nn.Conv2d(4, 1, 3, stride=1, padding=1), nn.Tanh())

    def forward(self, z):
        out = self.l1(z)
        out = out.view(out.shape[0], 4, 7, 7)
        return self.conv_blocks(out)


class TransposedGenerator(nn.Module):  # the DCGAN paper's form: z as [batch, d, 1, 1]
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(nn.ConvTranspose2d(LATENT, 6, 7, 1, 0, bias=False), nn.BatchNorm2d(6), nn.ReLU(True),
                                  nn.ConvTranspose2d(6, 1, 4, 4, 0, bias=False), nn.Sigmoid())

    def forward(self, z):
        return self.main(z)


def randomise(net, seed):
    """Weights and BatchNorm statistics away from their defaults, so that each matters."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in list(net.named_parameters()) + list(net.named_buffers()):
            if name.endswith("num_batches_tracked"):
                continue
            noise = torch.rand(tensor.shape, generator=generator)
            if name.endswith("running_var"):
                tensor.copy_(0.5 + noise)
            else:
                tensor.copy_((noise - 0.5) * (2.0 / max(1, tensor[0].numel()) ** 0.5 if tensor.dim() > 1 else 0.4))
    return net.eval()


def write(name, net, z, dynamic_batch):
    path = os.path.join(HERE, name)
    torch.onnx.export(net, z[:16] if not dynamic_batch else z, path + ".onnx", input_names=["z"], output_names=["img"],
                      opset_version=13, dynamic_axes={"z": {0: "batch"}, "img": {0: "batch"}} if dynamic_batch else None)
    with torch.no_grad():
        x = net(z)
    z.numpy().astype("<f4").tofile(path + ".z.f32")
    x.numpy().astype("<f4").tofile(path + ".x.f32")
    print(f"{path}.onnx: z {list(z.shape)} -> {list(x.shape)}, in [{x.min():.3f}, {x.max():.3f}]")


def main():
    torch.manual_seed(0)
    z = torch.rand(ROWS, LATENT) * 2 - 1
    write("pytorch_gan", randomise(MlpGenerator(), 1), z, True)
    write("pytorch_dcgan_batch16", randomise(UpsampleGenerator(), 2), z, False)
    write("pytorch_noise_as_image", randomise(TransposedGenerator(), 3), z.view(ROWS, LATENT, 1, 1), True)


if __name__ == "__main__":
    main()
