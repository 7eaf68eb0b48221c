"""The start every PyTorch reference script shares: import torch (or answer {"skip": …} so the
TypeScript test can skip, or fail under CI), one thread for reproducible sums, and the JSON request
read from stdin."""
import json
import sys


def torch_and_request():
    try:
        import torch
    except ImportError:
        print(json.dumps({"skip": "torch is not installed"}))
        sys.exit(0)
    torch.set_num_threads(1)
    return torch, json.load(sys.stdin)
