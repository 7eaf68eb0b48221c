"""Execute round trip (request sent → idle received) of a trivial cell, for one kernel.
Usage: kernel_roundtrip.py KERNEL_NAME N  → prints JSON {median_ms, p95_ms, n}."""
import json
import statistics
import sys
import time

from jupyter_client.manager import start_new_kernel

name, n = sys.argv[1], int(sys.argv[2])
km, kc = start_new_kernel(kernel_name=name, startup_timeout=120)


def roundtrip(code):
    t0 = time.perf_counter()
    msg_id = kc.execute(code)
    while True:
        m = kc.get_iopub_msg(timeout=60)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return (time.perf_counter() - t0) * 1000


for _ in range(5):
    roundtrip("1+1")
times = sorted(roundtrip("1+1") for _ in range(n))
kc.stop_channels()
km.shutdown_kernel(now=True)
print(json.dumps({"median_ms": statistics.median(times), "p95_ms": times[int(0.95 * (len(times) - 1))], "n": n}))
