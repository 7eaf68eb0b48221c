"""PyTorch peer for the training benchmarks: the same architecture, batch and optimizer as
quantscope's transformer, timed the same way (tokens per second over measured steps after warmup).
Not part of the npm package; `npm run bench` (CPU) and `npm run gpu-check` (device "cuda") call it.
Usage: python3 torch_train.py '{"vocabSize":96,"dModel":128,...,"batch":32,"steps":5,"threads":2,"device":"cpu"}'
"device" is "cpu" (default) or "cuda"; "warmup" defaults to 2 steps. On CUDA the clock is read only
after torch.cuda.synchronize(), since kernels run asynchronously; float32 matmuls stay IEEE float32
(TF32 off, PyTorch's default) so the peer computes what quantscope computes.
"""
import json
import math
import sys
import time

import torch

cfg = json.loads(sys.argv[1])
torch.set_num_threads(cfg.get("threads", 2))
torch.manual_seed(0)
device = torch.device(cfg.get("device", "cpu"))
if device.type == "cuda" and not torch.cuda.is_available():
    sys.exit(f"device 'cuda' requested but torch {torch.__version__} sees no CUDA GPU")
torch.backends.cuda.matmul.allow_tf32 = False
V, d, L, H, M, T, B = (cfg[k] for k in ("vocabSize", "dModel", "nLayers", "nHeads", "dMlp", "context", "batch"))


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = torch.nn.LayerNorm(d), torch.nn.LayerNorm(d)
        self.qkv, self.out = torch.nn.Linear(d, 3 * d), torch.nn.Linear(d, d)
        self.fc_in, self.fc_out = torch.nn.Linear(d, M), torch.nn.Linear(M, d)

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        q, k, v = (z.view(b, t, H, d // H).transpose(1, 2) for z in (q, k, v))
        y = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.out(y.transpose(1, 2).reshape(b, t, d))
        return x + self.fc_out(torch.nn.functional.gelu(self.fc_in(self.ln2(x)), approximate="tanh"))


class GPT(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = torch.nn.Embedding(V, d), torch.nn.Embedding(T, d)
        self.blocks = torch.nn.ModuleList(Block() for _ in range(L))
        self.lnf, self.head = torch.nn.LayerNorm(d), torch.nn.Linear(d, V, bias=False)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1], device=idx.device))
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.lnf(x))


model = GPT().to(device)
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
x = torch.randint(0, V, (B, T), device=device)
y = torch.randint(0, V, (B, T), device=device)


def sync():
    if device.type == "cuda":
        torch.cuda.synchronize()


def step():
    loss = torch.nn.functional.cross_entropy(model(x).view(-1, V), y.view(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss.item()


for _ in range(cfg.get("warmup", 2)):
    step()
sync()
steps = cfg.get("steps", 5)
t0 = time.perf_counter()
for _ in range(steps):
    step()
sync()
dt = time.perf_counter() - t0
print(json.dumps({
    "tokens_per_s": B * T * steps / dt,
    "torch": torch.__version__,
    "threads": torch.get_num_threads(),
    "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
}))
