"""A kernel whose parent dies while a cell spins must not be left behind.

This process starts a child that starts the kernel (so the child is the kernel's JPY_PARENT_PID),
runs a never-ending synchronous loop in it and then dies without shutting the kernel down. The
kernel's main thread is stuck, so only a watcher off that thread can notice. Prints one JSON line.
"""
import json
import os
import subprocess
import sys
import time

CHILD = r"""
import os, sys, time
from jupyter_client.manager import start_new_kernel
km, kc = start_new_kernel(kernel_name="quantscope", startup_timeout=60)
kc.execute_interactive("1 + 1", timeout=60)
kc.execute("while (true) {}")
time.sleep(1.0)
print(f"\nKERNEL_PID={km.provisioner.process.pid}", flush=True)
os._exit(0)
"""

# Read just the pid line: the kernel inherits the child's stdout, so waiting for EOF would wait for it.
child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
pid = None
for line in child.stdout:
    if line.startswith("KERNEL_PID="):
        pid = int(line.split("=")[1])
        break
child.wait(timeout=60)
t0 = time.monotonic()
alive = True
while time.monotonic() - t0 < 20:
    try:
        os.kill(pid, 0)
        # A zombie has exited; only its entry remains until init reaps it.
        with open(f"/proc/{pid}/stat") as f:
            if f.read().split(") ")[1].startswith("Z"):
                alive = False
                break
    except (ProcessLookupError, FileNotFoundError):
        alive = False
        break
    time.sleep(0.2)
if alive:
    os.kill(pid, 9)
print(json.dumps({"kernel_pid": pid, "exited": not alive, "seconds": round(time.monotonic() - t0, 1)}))
