"""Kernel benchmark driven by a real jupyter_client, per kernel name given.

For each kernel: start-up (start_kernel until the first cell `1 + 1` has finished, so work a
kernel defers past kernel_info is counted) and the execute round-trip (request sent until idle
status) of a trivial expression cell and of a cell that defines a function. The function cell
changes every time (its body's constant), as consecutive notebook cells do, so a kernel cannot
reuse the previous cell's compilation.

Prints one JSON line: {kernel: {"startup_s": [...], "expression_ms": [...], "function_ms": [...]}}.
Kernels alternate within each start-up round, so machine load affects both alike.
"""
import json
import os
import sys
import time

from jupyter_client.manager import KernelManager

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200
STARTS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
WARMUP = 20
KERNELS = {
    "quantscope": ("1 + 1", "function f(x: number) {{ return x * {i}; }}"),
    "python3": ("1 + 1", "def f(x):\n    return x * {i}"),
}


def round_trip(kc, code):
    t0 = time.perf_counter()
    msg_id = kc.execute(code)
    while True:
        m = kc.get_iopub_msg(timeout=60)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
    t = (time.perf_counter() - t0) * 1000
    reply = kc.get_shell_msg(timeout=60)
    assert reply["content"]["status"] == "ok", reply["content"]
    return t


def start(name):
    t0 = time.perf_counter()
    km = KernelManager(kernel_name=name)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    round_trip(kc, "1 + 1")
    return km, kc, time.perf_counter() - t0


def stop(km, kc):
    kc.stop_channels()
    km.shutdown_kernel(now=True)


results = {name: {"cold_startup_s": [], "startup_s": [], "expression_ms": [], "function_ms": []} for name in KERNELS}
# A first start of each kernel, reported apart: it finds no caches (quantscope: no start-up snapshot,
# which it then builds in the background; the bench waits for that build before the measured starts).
for name in KERNELS:
    km, kc, seconds = start(name)
    results[name]["cold_startup_s"].append(seconds)
    stop(km, kc)
lock = os.path.join(os.environ.get("QUANTSCOPE_KERNEL_SNAPSHOT_DIR", ""), "build.lock")
deadline = time.time() + 300
while os.environ.get("QUANTSCOPE_KERNEL_SNAPSHOT_DIR") and os.path.exists(lock) and time.time() < deadline:
    time.sleep(0.2)
for _ in range(STARTS):
    for name in KERNELS:
        km, kc, seconds = start(name)
        results[name]["startup_s"].append(seconds)
        stop(km, kc)
# Round-trips: both kernels up, measured in alternation.
sessions = {name: start(name)[:2] for name in KERNELS}
try:
    for i in range(WARMUP + N):
        for name, (expression, function) in KERNELS.items():
            kc = sessions[name][1]
            e = round_trip(kc, expression)
            f = round_trip(kc, function.format(i=i + 1))
            if i >= WARMUP:
                results[name]["expression_ms"].append(e)
                results[name]["function_ms"].append(f)
finally:
    for km, kc in sessions.values():
        stop(km, kc)
print(json.dumps({"quantscope": results["quantscope"], "ipykernel": results["python3"]}))
