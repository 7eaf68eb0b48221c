"""Independent torch reference for src/quantize/schemes/awq.ts: AWQ's scale search (Lin et al. 2023).

Reads {"w": [...], "wShape": [in, out], "x": [...], "xShape": [T, in], "bits": b, "groupSize": g, "nGrid": n}
on stdin and writes {"ratio": α, "losses": [...], "wq": [...]} (or {"skip": reason}).

Follows mit-han-lab/llm-awq auto_scale.py's search, written for a `[in, out]` weight and a single linear
layer: x_mean = mean|X| per input channel, for ratio in i/n_grid: s = x_mean^ratio clamped at 1e-4,
s /= sqrt(max(s)·min(s)), W' = Q(diag(s)·W) / s, loss = mean((X·W' − X·W)²); keep the first minimum. Q is
this repo's asymmetric group quantizer (int.ts module comment: the range always includes 0).
"""
import json, sys

try:
    import torch
except Exception as e:  # pragma: no cover
    print(json.dumps({"skip": f"torch not importable: {e}"}))
    sys.exit(0)


def quant_group_asym(w, bits, g):
    rows, cols = w.shape
    G = -(-rows // g)
    b = torch.cat([w, torch.zeros(G * g - rows, cols)]).reshape(G, g, cols)
    qmax = 2 ** bits - 1
    hi = b.amax(dim=1, keepdim=True).clamp(min=0)
    lo = b.amin(dim=1, keepdim=True).clamp(max=0)
    s = (hi - lo) / qmax
    s = torch.where(s == 0, torch.ones_like(s), s)
    r = 1 / s
    z = torch.round((-lo * r).clamp(0, qmax))
    q = torch.round(torch.minimum(torch.maximum(b * r, -z), qmax - z)) * s
    return q.reshape(-1, cols)[:rows]


req = json.load(sys.stdin)
w = torch.tensor(req["w"], dtype=torch.float32).reshape(req["wShape"])
x = torch.tensor(req["x"], dtype=torch.float32).reshape(req["xShape"])
x_mean = x.abs().mean(0)
org_out = x @ w
best, best_ratio, best_wq, losses = float("inf"), -1.0, None, []
n = req["nGrid"]
for i in range(n):
    ratio = i / n
    s = x_mean.pow(ratio).clamp(min=1e-4)
    s = s / (s.max() * s.min()).sqrt()
    wq = quant_group_asym(w * s.view(-1, 1), req["bits"], req["groupSize"]) / s.view(-1, 1)
    loss = (org_out - x @ wq).pow(2).mean().item()
    losses.append(loss)
    if loss < best:
        best, best_ratio, best_wq = loss, ratio, wq
print(json.dumps({"ratio": best_ratio, "losses": losses, "wq": best_wq.flatten().tolist()}))
