"""Execute round-trip (request sent to idle status) for a trivial cell, per kernel name given.

Prints one JSON line: {kernel: [ms, ...]}. Used by bench/kernel.ts; the quantscope kernel must be
findable through JUPYTER_PATH, ipykernel is Debian's python3 kernel.
"""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200
WARMUP = 20


def bench(name, code):
    km, kc = start_new_kernel(kernel_name=name, startup_timeout=60)
    try:
        times = []
        for i in range(WARMUP + N):
            t0 = time.perf_counter()
            msg_id = kc.execute(code)
            while True:
                m = kc.get_iopub_msg(timeout=30)
                if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                    break
            t = (time.perf_counter() - t0) * 1000
            kc.get_shell_msg(timeout=30)
            if i >= WARMUP:
                times.append(t)
        return times
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


print(json.dumps({"quantscope": bench("quantscope", "1 + 1"), "ipykernel": bench("python3", "1 + 1")}))
