"""Independent torch reference for float casts: float32 → a torch dtype → float32, element by element.

Used for src/ops/precision.ts (bfloat16, float16) and src/quantize/fp8.ts (float8_e4m3fn, float8_e5m2).
Reads {"bits": [uint32 float32 bit patterns], "dtypes": ["bfloat16", …]} on stdin (bit patterns,
because JSON has no -0, NaN or Inf), writes {dtype: [float32 bit patterns]} (or {"skip": reason}).
"""
import json, sys

try:
    import torch
except Exception as e:  # pragma: no cover
    print(json.dumps({"skip": f"torch not importable: {e}"}))
    sys.exit(0)

req = json.load(sys.stdin)
x = torch.tensor(req["bits"], dtype=torch.int64).to(torch.int32).view(torch.float32)
as_bits = lambda t: (t.to(torch.float32).view(torch.int32).to(torch.int64) & 0xFFFFFFFF).tolist()
print(json.dumps({d: as_bits(x.to(getattr(torch, d))) for d in req["dtypes"]}))
