"""PyTorch CPU peer for bench/pretrained.ts: reads the same GPT-2 safetensors file (numpy, no
`transformers`), runs the GPT-2 forward in float32 and prints tokens/s and peak RSS as one JSON line.
Usage: python3 torch_forward.py '{"dir": ..., "tokens": 256, "reps": 2, "threads": 2}'
"""
import json
import math
import os
import resource
import struct
import sys
import time

import numpy as np
import torch

req = json.loads(sys.argv[1])
torch.set_num_threads(req["threads"])
cfg = json.load(open(os.path.join(req["dir"], "config.json")))
d, L, H = cfg["n_embd"], cfg["n_layer"], cfg["n_head"]

t0 = time.perf_counter()
W = {}
# Tensor by tensor straight into its array, as quantscope's loader reads: one float32 copy in memory.
with open(os.path.join(req["dir"], "model.safetensors"), "rb") as fh:
    (n,) = struct.unpack("<Q", fh.read(8))
    header = json.loads(fh.read(n))
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        fh.seek(8 + n + b)
        W[name] = torch.from_numpy(np.fromfile(fh, dtype="<f4", count=(end - b) // 4)).reshape(e["shape"])
load_s = time.perf_counter() - t0


def ln(x, p):
    return torch.nn.functional.layer_norm(x, (d,), W[p + ".weight"], W[p + ".bias"], eps=1e-5)


@torch.inference_mode()
def forward(ids):
    T = ids.shape[1]
    x = W["wte.weight"][ids] + W["wpe.weight"][:T]
    for l in range(L):
        h = f"h.{l}."
        q, k, v = (ln(x, h + "ln_1") @ W[h + "attn.c_attn.weight"] + W[h + "attn.c_attn.bias"]).split(d, -1)
        q, k, v = (t.view(1, T, H, d // H).transpose(1, 2) for t in (q, k, v))
        y = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(1, T, d)
        x = x + y @ W[h + "attn.c_proj.weight"] + W[h + "attn.c_proj.bias"]
        m = torch.nn.functional.gelu(ln(x, h + "ln_2") @ W[h + "mlp.c_fc.weight"] + W[h + "mlp.c_fc.bias"], approximate="tanh")
        x = x + m @ W[h + "mlp.c_proj.weight"] + W[h + "mlp.c_proj.bias"]
    return ln(x, "ln_f") @ W["wte.weight"].T


ids = (torch.arange(req["tokens"]) * 7919 % cfg["vocab_size"]).reshape(1, -1)
times = []
for i in range(req["reps"] + 1):
    s = time.perf_counter()
    forward(ids)
    if i > 0:
        times.append(time.perf_counter() - s)
times.sort()
median = times[len(times) // 2]
print(json.dumps({"tokens_per_s": req["tokens"] / median, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "load_s": load_s, "note": f"torch {torch.__version__}, {torch.get_num_threads()} threads"}))
