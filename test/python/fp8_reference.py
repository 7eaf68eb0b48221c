"""Independent torch reference for src/quantize/fp8.ts: float32 → float8 (e4m3fn, e5m2) → float32.

Reads {"bits": [uint32 float32 bit patterns]} on stdin (bit patterns: JSON has no -0 or NaN), writes
{"e4m3": [...], "e5m2": [...]} as float32 bit patterns (or {"skip": reason}).
"""
import json, sys

try:
    import torch
except Exception as e:  # pragma: no cover
    print(json.dumps({"skip": f"torch not importable: {e}"}))
    sys.exit(0)

bits = torch.tensor(json.load(sys.stdin)["bits"], dtype=torch.int64).to(torch.int32)
x = bits.view(torch.float32)
as_bits = lambda t: (t.to(torch.float32).view(torch.int32).to(torch.int64) & 0xFFFFFFFF).tolist()
print(json.dumps({"e4m3": as_bits(x.to(torch.float8_e4m3fn)), "e5m2": as_bits(x.to(torch.float8_e5m2))}))
