"""What the kernel tests do with a jupyter_client KernelClient: match replies and iopub messages to
their request, and start a cell that spins in a synchronous loop, known to be spinning.
"""
import os
import tempfile
import time

TIMEOUT = 60


def reply_to(kc, msg_id, timeout=TIMEOUT):
    """The shell reply to msg_id (replies to other requests are skipped)."""
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def iopub_until_idle(kc, msg_id, timeout=TIMEOUT):
    """Every iopub message parented to msg_id, up to and including its idle status."""
    out = []
    while True:
        m = kc.get_iopub_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        out.append(m)
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return out


def execute_code(kc, code):
    msg_id = kc.execute(code)
    return reply_to(kc, msg_id), iopub_until_idle(kc, msg_id)


def value_of(kc, code):
    """The text/plain of the cell's execute_result (None without one); fails on an error reply."""
    reply, msgs = execute_code(kc, code)
    assert reply["content"]["status"] == "ok", msgs
    results = [m for m in msgs if m["msg_type"] == "execute_result"]
    return results[-1]["content"]["data"]["text/plain"] if results else None


def start_spinning(kc, loop="while (true) {}"):
    """Runs `loop` (a never-ending synchronous loop) as a cell and returns its msg_id once it runs.

    An interrupt must come while the loop runs: one that comes while the cell is still being
    compiled (after busy and execute_input) is spent before the loop starts. So the cell writes a
    file just before the loop, and this waits for that file.
    """
    mark = os.path.join(tempfile.mkdtemp(prefix="qs-spin-"), "spinning")
    msg_id = kc.execute(f'import {{ writeFileSync as markSpinning }} from "fs"; markSpinning({mark!r}, ""); {loop}')
    deadline = time.monotonic() + TIMEOUT
    while not os.path.exists(mark):
        if time.monotonic() > deadline:
            raise AssertionError(f"the cell never started its loop ({mark} not written)")
        time.sleep(0.01)
    return msg_id
