"""Independent torch reference for src/quantize/schemes/fp4.ts (W4A8 FP: FP4 E2M1 weights, FP8 E4M3 activations).

Reads {"w": [...], "wShape": [in, out], "x": [...], "xShape": [T, in], "groupSize": g | null} on stdin and
writes {"wq": [...], "xq": [...], "y": [...]} (or {"skip": reason}).

E2M1 is done by brute force over its eight magnitudes (nearest value, ties to the even mantissa, i.e. the
even index in [0, 0.5, 1, 1.5, 2, 3, 4, 6]), not by the bit trick the TypeScript uses; E4M3 by torch's own
float8_e4m3fn cast.
"""
import json, sys

try:
    import torch
except Exception as e:  # pragma: no cover
    print(json.dumps({"skip": f"torch not importable: {e}"}))
    sys.exit(0)

GRID = torch.tensor([0, 0.5, 1, 1.5, 2, 3, 4, 6], dtype=torch.float64)
EVEN = torch.tensor([i % 2 == 0 for i in range(8)])


def e2m1(v):
    a = v.double().abs().clamp(max=6.0)
    d = (a.unsqueeze(-1) - GRID).abs()
    cand = d == d.min(dim=-1, keepdim=True).values
    even = cand & EVEN
    idx = torch.where(even.any(-1), even.float().argmax(-1), cand.float().argmax(-1))
    return (torch.sign(v.double()) * GRID[idx]).float()


req = json.load(sys.stdin)
w = torch.tensor(req["w"], dtype=torch.float32).reshape(req["wShape"])
x = torch.tensor(req["x"], dtype=torch.float32).reshape(req["xShape"])
rows, cols = w.shape
g = req["groupSize"]
if g:
    G = -(-rows // g)
    blocks = torch.cat([w, torch.zeros(G * g - rows, cols)]).reshape(G, g, cols)
else:
    blocks = w.reshape(1, rows, cols)
s = blocks.abs().amax(dim=1, keepdim=True) / 6.0
s = torch.where(s == 0, torch.ones_like(s), s)
wq = (e2m1(blocks / s) * s).reshape(-1, cols)[:rows]

sx = x.abs().max() / 448.0
sx = torch.where(sx == 0, torch.ones_like(sx), sx)
xq = (x / sx).to(torch.float8_e4m3fn).to(torch.float32) * sx
y = xq @ wq
print(json.dumps({"wq": wq.flatten().tolist(), "xq": xq.flatten().tolist(), "y": y.flatten().tolist()}))
