"""PyTorch reference for quantscope's transformer: forward loss, gradients and one AdamW step.

Reads a JSON request on stdin (config, named float32 params with shapes, a batch, optimizer
settings) and writes the same quantities PyTorch computes as JSON on stdout. Written independently
of the TypeScript model from the architecture's definition (GPT-2: pre-LN, tanh-GELU, learned
positions, untied head without bias), so agreement means both implement that definition.
"""
import json
import math

from torch_request import torch_and_request

torch, req = torch_and_request()
cfg = req["config"]
V, d, L, H, T = cfg["vocabSize"], cfg["dModel"], cfg["nLayers"], cfg["nHeads"], cfg["context"]
P = {n: torch.tensor(p["data"], dtype=torch.float32).reshape(p["shape"]).requires_grad_(True) for n, p in req["params"].items()}
B = req["batch"]
x = torch.tensor(B["x"], dtype=torch.long).reshape(B["batch"], B["context"])
y = torch.tensor(B["y"], dtype=torch.long).reshape(-1)


def ln(t, g, b):
    return torch.nn.functional.layer_norm(t, (d,), P[g], P[b], eps=1e-5)


def forward():
    Bn, Tn = x.shape
    h = P["wte"][x] + P["wpe"][:Tn]
    mask = torch.triu(torch.ones(Tn, Tn, dtype=torch.bool), diagonal=1)
    hd = d // H
    for l in range(L):
        p = f"h.{l}"
        a = ln(h, f"{p}.ln1.g", f"{p}.ln1.b") @ P[f"{p}.attn.qkv.w"] + P[f"{p}.attn.qkv.b"]
        q, k, v = a.split(d, dim=-1)
        q, k, v = (t.reshape(Bn, Tn, H, hd).transpose(1, 2) for t in (q, k, v))
        s = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        s = s.masked_fill(mask, float("-inf"))
        o = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(Bn, Tn, d)
        h = h + o @ P[f"{p}.attn.out.w"] + P[f"{p}.attn.out.b"]
        m = ln(h, f"{p}.ln2.g", f"{p}.ln2.b") @ P[f"{p}.mlp.in.w"] + P[f"{p}.mlp.in.b"]
        m = torch.nn.functional.gelu(m, approximate="tanh")
        h = h + m @ P[f"{p}.mlp.out.w"] + P[f"{p}.mlp.out.b"]
    h = ln(h, "lnf.g", "lnf.b")
    return (h @ P["head.w"]).reshape(-1, V)


logits = forward()
loss = torch.nn.functional.cross_entropy(logits, y)
loss.backward()
grads = {n: t.grad.reshape(-1).tolist() for n, t in P.items()}

o = req["optimizer"]
decay = [t for n, t in P.items() if n in o["decayed"]]
rest = [t for n, t in P.items() if n not in o["decayed"]]
opt = torch.optim.AdamW(
    [{"params": decay, "weight_decay": o["weightDecay"]}, {"params": rest, "weight_decay": 0.0}],
    lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"],
)
opt.step()
print(json.dumps({
    "loss": loss.item(),
    "logits": logits.detach().reshape(-1).tolist(),
    "grads": grads,
    "updated": {n: t.detach().reshape(-1).tolist() for n, t in P.items()},
}))
