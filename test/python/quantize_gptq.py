"""Torch reference for src/quantize/gptq.ts: IST-DASLab/gptq `fasterquant` (blocked lazy updates,
blocksize 128, no act-order; group scales from the current weights, see below) with this package's quantizer (asymmetric min/max
including 0, float32 scale/reciprocal, round half to even), on an [in, out] weight.

stdin: {"w": [...], "rows": in, "cols": out, "xtx": [...], "tokens": n, "bits": b, "groupSize": g|null, "damp": 0.01}
stdout: {"q": [...]} (dequantized [in, out] row-major) or {"skip": reason}
"""
import json, sys

try:
    import torch
except Exception as e:  # pragma: no cover
    print(json.dumps({"skip": f"torch not importable: {e}"}))
    sys.exit(0)

req = json.load(sys.stdin)
rows, cols = req["rows"], req["cols"]
W = torch.tensor(req["w"], dtype=torch.float64).reshape(rows, cols).t().contiguous()  # [out, in] as in gptq.py
H = torch.tensor(req["xtx"], dtype=torch.float64).reshape(rows, rows) * (2.0 / req["tokens"])
maxq = 2 ** req["bits"] - 1
g = req["groupSize"]

def find_params(x):  # x: [out, k] -> per-row scale, recip, zero (float32 arithmetic as int.ts)
    x32 = x.to(torch.float32)
    hi = x32.amax(dim=1).clamp(min=0)
    lo = x32.amin(dim=1).clamp(max=0)
    s = (hi - lo) / maxq
    s = torch.where(s == 0, torch.ones_like(s), s)
    r = 1 / s
    z = torch.round((-lo * r).clamp(0, maxq))
    return s, r, z

def quant(w, s, r, z):
    v = (w.to(torch.float32) * r).clamp(-z, maxq - z)
    return (torch.round(v) * s).to(torch.float64)

dead = torch.diag(H) == 0
H[dead, dead] = 1
W[:, dead] = 0
damp = req["damp"] * torch.mean(torch.diag(H))
H += damp * torch.eye(rows, dtype=torch.float64)
L = torch.linalg.cholesky(H)
Hinv = torch.cholesky_inverse(L)
Hinv = torch.linalg.cholesky(Hinv, upper=True)

Q = torch.zeros_like(W)
s, r, z = find_params(W)
B = 128
for i1 in range(0, rows, B):
    i2 = min(i1 + B, rows)
    W1 = W[:, i1:i2].clone()
    Q1 = torch.zeros_like(W1)
    Err1 = torch.zeros_like(W1)
    Hinv1 = Hinv[i1:i2, i1:i2]
    for i in range(i2 - i1):
        w = W1[:, i]
        d = Hinv1[i, i]
        if g and (i1 + i) % g == 0:
            # Scales from the group's *current* weights (this block's updates applied). gptq.py reads
            # W[:, i1+i : i1+i+g] here, which lacks the pending in-block updates when g < blocksize; the
            # two agree when groups start at block starts (g = 128). gptq.ts follows the current weights.
            s, r, z = find_params(torch.cat([W1[:, i:], W[:, i2:]], dim=1)[:, :g])
        q = quant(w, s, r, z)
        Q1[:, i] = q
        err = (w - q) / d
        W1[:, i:] -= err.unsqueeze(1).matmul(Hinv1[i, i:].unsqueeze(0))
        Err1[:, i] = err
    Q[:, i1:i2] = Q1
    W[:, i2:] -= Err1.matmul(Hinv[i1:i2, i2:])

print(json.dumps({"q": Q.t().contiguous().flatten().tolist()}))
