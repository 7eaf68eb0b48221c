"""Tiny random Hugging Face checkpoints and their reference logits, for quantscope's loader tests.

Reads a JSON request on stdin: {family, dir, config (config.json contents), seed, tokens, batch,
dtype ("F32" | "F16" | "BF16"), prefix (tensor-name prefix), buffers (add mask/rotary buffers),
shards (1 or 2), tie (store a tied lm_head copy)}. Writes config.json and model.safetensors (or two
shards and model.safetensors.index.json) into `dir`, the safetensors files by hand (8-byte
little-endian header length, JSON header, raw little-endian tensor bytes), then runs a forward
pass written here from each family's published architecture (not from quantscope's code, and
without `transformers`, which is not installed) and prints {"logits": [...]} on stdout.

The reference runs on the weights as stored (rounded to F16/BF16 when asked), in float32.
"""
import json
import math
import os
import struct

from torch_request import torch_and_request

torch, req = torch_and_request()
cfg = req["config"]
fam = req["family"]
g = torch.Generator().manual_seed(req["seed"])
DT = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}[req["dtype"]]


def rnd(*shape, std=0.1, mean=0.0):
    # Rounded to the storage dtype, so the reference sees exactly what the file holds.
    return (torch.randn(*shape, generator=g) * std + mean).to(DT).to(torch.float32)


def ln(x, w, b, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps=eps)


def causal_softmax(q, k, scale):
    T = q.shape[-2]
    s = (q @ k.transpose(-1, -2)) * scale
    s = s.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
    return torch.softmax(s, -1)


def gelu(x, kind):
    return torch.nn.functional.gelu(x, approximate="tanh" if kind in ("gelu_new", "gelu_pytorch_tanh") else "none")


tokens = torch.tensor(req["tokens"], dtype=torch.long).reshape(req["batch"], -1)
B, T = tokens.shape
W = {}  # Hugging Face tensor name → float32 value

if fam == "gpt2":
    V, d, L, H, P = cfg["vocab_size"], cfg["n_embd"], cfg["n_layer"], cfg["n_head"], cfg["n_positions"]
    m = cfg.get("n_inner") or 4 * d
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    act = cfg.get("activation_function", "gelu_new")
    p = req["prefix"]
    W[p + "wte.weight"] = rnd(V, d)
    W[p + "wpe.weight"] = rnd(P, d)
    for l in range(L):
        h = f"{p}h.{l}."
        W[h + "ln_1.weight"], W[h + "ln_1.bias"] = rnd(d, mean=1.0), rnd(d)
        W[h + "attn.c_attn.weight"], W[h + "attn.c_attn.bias"] = rnd(d, 3 * d, std=0.2), rnd(3 * d)  # Conv1D: [in, out]
        W[h + "attn.c_proj.weight"], W[h + "attn.c_proj.bias"] = rnd(d, d), rnd(d)
        W[h + "ln_2.weight"], W[h + "ln_2.bias"] = rnd(d, mean=1.0), rnd(d)
        W[h + "mlp.c_fc.weight"], W[h + "mlp.c_fc.bias"] = rnd(d, m, std=0.3), rnd(m)
        W[h + "mlp.c_proj.weight"], W[h + "mlp.c_proj.bias"] = rnd(m, d), rnd(d)
        if req.get("buffers"):
            W[h + "attn.bias"] = torch.tril(torch.ones(P, P)).reshape(1, 1, P, P)
            W[h + "attn.masked_bias"] = torch.tensor(-1e4)
    W[p + "ln_f.weight"], W[p + "ln_f.bias"] = rnd(d, mean=1.0), rnd(d)
    if req.get("tie"):
        W["lm_head.weight"] = W[p + "wte.weight"].clone()

    x = W[p + "wte.weight"][tokens] + W[p + "wpe.weight"][:T]
    hs = d // H
    for l in range(L):
        h = f"{p}h.{l}."
        a = ln(x, W[h + "ln_1.weight"], W[h + "ln_1.bias"], eps) @ W[h + "attn.c_attn.weight"] + W[h + "attn.c_attn.bias"]
        q, k, v = (t.reshape(B, T, H, hs).transpose(1, 2) for t in a.split(d, -1))
        o = (causal_softmax(q, k, 1 / math.sqrt(hs)) @ v).transpose(1, 2).reshape(B, T, d)
        x = x + o @ W[h + "attn.c_proj.weight"] + W[h + "attn.c_proj.bias"]
        f = gelu(ln(x, W[h + "ln_2.weight"], W[h + "ln_2.bias"], eps) @ W[h + "mlp.c_fc.weight"] + W[h + "mlp.c_fc.bias"], act)
        x = x + f @ W[h + "mlp.c_proj.weight"] + W[h + "mlp.c_proj.bias"]
    logits = ln(x, W[p + "ln_f.weight"], W[p + "ln_f.bias"], eps) @ W[p + "wte.weight"].T

elif fam == "gpt-neox":
    V, d, L, H, m = cfg["vocab_size"], cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"], cfg["intermediate_size"]
    eps = cfg.get("layer_norm_eps", 1e-5)
    hs = d // H
    rot = int(hs * cfg.get("rotary_pct", 0.25))
    base = cfg.get("rotary_emb_base", 10000)
    p = req["prefix"]
    W[p + "embed_in.weight"] = rnd(V, d)
    for l in range(L):
        h = f"{p}layers.{l}."
        W[h + "input_layernorm.weight"], W[h + "input_layernorm.bias"] = rnd(d, mean=1.0), rnd(d)
        W[h + "post_attention_layernorm.weight"], W[h + "post_attention_layernorm.bias"] = rnd(d, mean=1.0), rnd(d)
        W[h + "attention.query_key_value.weight"], W[h + "attention.query_key_value.bias"] = rnd(3 * d, d, std=0.2), rnd(3 * d)  # nn.Linear: [out, in]
        W[h + "attention.dense.weight"], W[h + "attention.dense.bias"] = rnd(d, d), rnd(d)
        W[h + "mlp.dense_h_to_4h.weight"], W[h + "mlp.dense_h_to_4h.bias"] = rnd(m, d, std=0.3), rnd(m)
        W[h + "mlp.dense_4h_to_h.weight"], W[h + "mlp.dense_4h_to_h.bias"] = rnd(d, m), rnd(d)
        if req.get("buffers"):
            W[h + "attention.rotary_emb.inv_freq"] = 1.0 / (base ** (torch.arange(0, rot, 2).float() / rot))
    W[p + "final_layer_norm.weight"], W[p + "final_layer_norm.bias"] = rnd(d, mean=1.0), rnd(d)
    W["embed_out.weight"] = rnd(V, d)

    # Rotary tables as GPT-NeoX computes them: float32 inverse frequencies, angles t·f, [freqs, freqs].
    inv_freq = 1.0 / (base ** (torch.arange(0, rot, 2, dtype=torch.int64).float() / rot))
    freqs = torch.outer(torch.arange(T, dtype=torch.float32), inv_freq)
    emb = torch.cat((freqs, freqs), -1)
    cos, sin = emb.cos(), emb.sin()

    def rotate_half(t):
        t1, t2 = t[..., : t.shape[-1] // 2], t[..., t.shape[-1] // 2 :]
        return torch.cat((-t2, t1), -1)

    def rope(t):
        tr, tp = t[..., :rot], t[..., rot:]
        return torch.cat((tr * cos + rotate_half(tr) * sin, tp), -1)

    def attn(h, a):
        qkv = a @ W[h + "attention.query_key_value.weight"].T + W[h + "attention.query_key_value.bias"]
        qkv = qkv.view(B, T, H, 3 * hs).permute(0, 2, 1, 3)  # per head: [q | k | v]
        q, k, v = qkv[..., :hs], qkv[..., hs : 2 * hs], qkv[..., 2 * hs :]
        q, k = rope(q), rope(k)
        o = (causal_softmax(q, k, 1 / math.sqrt(hs)) @ v).permute(0, 2, 1, 3).reshape(B, T, d)
        return o @ W[h + "attention.dense.weight"].T + W[h + "attention.dense.bias"]

    def mlp(h, a):
        z = gelu(a @ W[h + "mlp.dense_h_to_4h.weight"].T + W[h + "mlp.dense_h_to_4h.bias"], cfg.get("hidden_act", "gelu"))
        return z @ W[h + "mlp.dense_4h_to_h.weight"].T + W[h + "mlp.dense_4h_to_h.bias"]

    x = W[p + "embed_in.weight"][tokens]
    for l in range(L):
        h = f"{p}layers.{l}."
        a = attn(h, ln(x, W[h + "input_layernorm.weight"], W[h + "input_layernorm.bias"], eps))
        if cfg.get("use_parallel_residual", True):
            x = x + a + mlp(h, ln(x, W[h + "post_attention_layernorm.weight"], W[h + "post_attention_layernorm.bias"], eps))
        else:
            x = x + a
            x = x + mlp(h, ln(x, W[h + "post_attention_layernorm.weight"], W[h + "post_attention_layernorm.bias"], eps))
    logits = ln(x, W[p + "final_layer_norm.weight"], W[p + "final_layer_norm.bias"], eps) @ W["embed_out.weight"].T

elif fam == "opt":
    V, d, L, H, m, P = cfg["vocab_size"], cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"], cfg["ffn_dim"], cfg["max_position_embeddings"]
    pre = cfg.get("do_layer_norm_before", True)
    hs = d // H
    p = req["prefix"]
    W[p + "embed_tokens.weight"] = rnd(V, d)
    W[p + "embed_positions.weight"] = rnd(P + 2, d)
    for l in range(L):
        h = f"{p}layers.{l}."
        for n in ("q_proj", "k_proj", "v_proj"):
            W[h + f"self_attn.{n}.weight"], W[h + f"self_attn.{n}.bias"] = rnd(d, d, std=0.2), rnd(d)
        W[h + "self_attn.out_proj.weight"], W[h + "self_attn.out_proj.bias"] = rnd(d, d), rnd(d)
        W[h + "self_attn_layer_norm.weight"], W[h + "self_attn_layer_norm.bias"] = rnd(d, mean=1.0), rnd(d)
        W[h + "fc1.weight"], W[h + "fc1.bias"] = rnd(m, d, std=0.3), rnd(m)
        W[h + "fc2.weight"], W[h + "fc2.bias"] = rnd(d, m), rnd(d)
        W[h + "final_layer_norm.weight"], W[h + "final_layer_norm.bias"] = rnd(d, mean=1.0), rnd(d)
    if pre:
        W[p + "final_layer_norm.weight"], W[p + "final_layer_norm.bias"] = rnd(d, mean=1.0), rnd(d)
    if req.get("tie"):
        W["lm_head.weight"] = W[p + "embed_tokens.weight"].clone()

    def lin(t, n):
        return t @ W[n + ".weight"].T + W[n + ".bias"]

    def attn(h, a):
        q = lin(a, h + "self_attn.q_proj") * hs**-0.5
        k, v = lin(a, h + "self_attn.k_proj"), lin(a, h + "self_attn.v_proj")
        q, k, v = (t.reshape(B, T, H, hs).transpose(1, 2) for t in (q, k, v))
        o = (causal_softmax(q, k, 1.0) @ v).transpose(1, 2).reshape(B, T, d)
        return lin(o, h + "self_attn.out_proj")

    def mlp(h, a):
        return lin(torch.relu(lin(a, h + "fc1")), h + "fc2")

    def norm(t, n):
        return ln(t, W[n + ".weight"], W[n + ".bias"], 1e-5)

    x = W[p + "embed_tokens.weight"][tokens] + W[p + "embed_positions.weight"][torch.arange(T) + 2]
    for l in range(L):
        h = f"{p}layers.{l}."
        if pre:
            x = x + attn(h, norm(x, h + "self_attn_layer_norm"))
            x = x + mlp(h, norm(x, h + "final_layer_norm"))
        else:
            x = norm(x + attn(h, x), h + "self_attn_layer_norm")
            x = norm(x + mlp(h, x), h + "final_layer_norm")
    if pre:
        x = norm(x, p + "final_layer_norm")
    logits = x @ W[p + "embed_tokens.weight"].T
else:
    raise SystemExit(f"unknown family {fam}")


def safetensors_bytes(tensors):
    """The file format by hand: u64 LE header length, JSON header, tensors' raw little-endian bytes back to back."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        dtype = "F32" if name.endswith(("attn.bias", "masked_bias", "inv_freq")) else req["dtype"]
        stored = t.to({"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}[dtype]).contiguous()
        raw = stored.reshape(-1).view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


os.makedirs(req["dir"], exist_ok=True)
with open(os.path.join(req["dir"], "config.json"), "w") as fh:
    json.dump(cfg, fh)
names = list(W)
if req.get("shards", 1) == 1:
    with open(os.path.join(req["dir"], "model.safetensors"), "wb") as fh:
        fh.write(safetensors_bytes(W))
else:
    half = len(names) // 2
    parts = {"model-00001-of-00002.safetensors": names[:half], "model-00002-of-00002.safetensors": names[half:]}
    weight_map = {}
    for fname, part in parts.items():
        with open(os.path.join(req["dir"], fname), "wb") as fh:
            fh.write(safetensors_bytes({n: W[n] for n in part}))
        weight_map.update({n: fname for n in part})
    with open(os.path.join(req["dir"], "model.safetensors.index.json"), "w") as fh:
        json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map}, fh)

print(json.dumps({"logits": logits.reshape(-1).tolist()}))
