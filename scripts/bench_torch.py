"""The reference `npm run bench` times camlab against: Grad-CAM on torchvision's ResNet-50 (random
weights, 224x224) with PyTorch on every core, written here the way pytorch-grad-cam's GradCAM computes
it (hooks on the last block, top class per image, mean gradient per channel, ReLU, bilinear resize to
the input, min-max scaling per map). Prints one JSON object: milliseconds per image at each batch size.

usage: /usr/bin/python3 scripts/bench_torch.py [RUNS] (Debian's python3-torch and python3-torchvision:
bash scripts/setup-system.sh bench)
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F
import torchvision

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
torch.set_num_threads(os.cpu_count())
torch.manual_seed(0)
model = torchvision.models.resnet50(weights=None).eval()
saved = {}
model.layer4.register_forward_hook(lambda module, inputs, output: saved.__setitem__("activations", output))
model.layer4.register_full_backward_hook(lambda module, grad_in, grad_out: saved.__setitem__("gradients", grad_out[0]))


def grad_cam(images):
    images = images.clone().requires_grad_(True)
    logits = model(images)
    model.zero_grad()
    logits.gather(1, logits.argmax(1, keepdim=True)).sum().backward()
    activations, gradients = saved["activations"], saved["gradients"]
    maps = F.relu((gradients.mean((2, 3), keepdim=True) * activations).sum(1, keepdim=True))
    maps = F.interpolate(maps, size=images.shape[2:], mode="bilinear", align_corners=False)[:, 0].detach()
    low = maps.flatten(1).min(1).values[:, None, None]
    high = maps.flatten(1).max(1).values[:, None, None]
    return ((maps - low) / (high - low + 1e-7)).numpy()


def forward(images):
    with torch.no_grad():
        return model(images).numpy()


def per_image_ms(body, batch):
    images = torch.rand(batch, 3, 224, 224)
    body(images)  # warm-up
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        body(images)
        times.append((time.perf_counter() - start) * 1000 / batch)
    return sorted(times)[len(times) // 2]


result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "runs": RUNS}
for batch in (1, 8):
    result[f"forward_{batch}"] = per_image_ms(forward, batch)
    result[f"gradcam_{batch}"] = per_image_ms(grad_cam, batch)
print(json.dumps(result))
