"""Independent torch reference for src/quantize/int.ts: integer codes, scales and zero points.

Reads {"x": [...], "shape": [r, c], "cases": [{bits, symmetric, granularity, groupSize?}]} on stdin,
writes {"results": [{codes, scales, zeroPoints}]} (or {"skip": reason}). Same formulas as the module
comment of int.ts, written in torch float32 ops with torch.round (round half to even).
"""
import json, sys

try:
    import torch
except Exception as e:  # pragma: no cover
    print(json.dumps({"skip": f"torch not importable: {e}"}))
    sys.exit(0)

req = json.load(sys.stdin)
x = torch.tensor(req["x"], dtype=torch.float32).reshape(req["shape"])
rows, cols = x.shape
out = []
for c in req["cases"]:
    bits, sym, gran = c["bits"], c["symmetric"], c["granularity"]
    if gran == "tensor":
        blocks = x.reshape(1, -1, 1)
    elif gran == "channel":
        blocks = x.reshape(1, rows, cols)  # reduce over rows
    elif gran == "token":
        blocks = x.reshape(rows, 1, cols).transpose(1, 2)  # [rows, cols, 1]: reduce over dim 1
    else:
        g = c["groupSize"]
        G = -(-rows // g)
        pad = torch.zeros(G * g - rows, cols)
        blocks = torch.cat([x, pad]).reshape(G, g, cols)
    if sym:
        qmax = 2 ** (bits - 1) - 1
        qmin = -qmax
        hi = blocks.abs().amax(dim=1, keepdim=True)
        s = hi / qmax
        lo = torch.zeros_like(hi)
    else:
        qmax = 2 ** bits - 1
        qmin = 0
        hi = blocks.amax(dim=1, keepdim=True).clamp(min=0)
        lo = blocks.amin(dim=1, keepdim=True).clamp(max=0)
        s = (hi - lo) / qmax
    s = torch.where(s == 0, torch.ones_like(s), s)
    r = 1 / s
    z = torch.zeros_like(s) if sym else torch.round((-lo * r).clamp(0, qmax))
    q = torch.round(torch.minimum(torch.maximum(blocks * r, qmin - z), qmax - z)) + z
    if gran == "token":
        q = q.transpose(1, 2).reshape(rows, cols)
    elif gran == "group":
        q = q.reshape(-1, cols)[:rows]
    else:
        q = q.reshape(rows, cols)
    out.append({"codes": q.flatten().tolist(), "scales": s.flatten().tolist(), "zeroPoints": None if sym else z.flatten().tolist()})
print(json.dumps({"results": out}))
