"""Independent torch reference for src/ops/precision.ts: float32 → bfloat16 / float16 → float32 casts.

Reads {"bits": [uint32 float32 bit patterns]} on stdin (bit patterns, because JSON has no -0, NaN or
Inf), writes {"bf16": [...], "fp16": [...]} as float32 bit patterns (or {"skip": reason}).
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
print(json.dumps({"bf16": as_bits(x.to(torch.bfloat16)), "fp16": as_bits(x.to(torch.float16))}))
