"""The kernel's supervisor (kernel/supervisor.ts) with a real jupyter_client.

- A cell that fills the heap is answered: an `error` on iopub and an execute_reply with status error
  that say "out of memory" and how to raise the limit, then the idle status; the kernel process then
  exits non-zero, and a restart on the same ports (what the Jupyter server's restarter does) works.
- A kernel killed in a cell (SIGKILL, as by the system's OOM killer) is answered with a KernelDied error.
- Shutdown and restart requests still end the kernel with exit code 0 and take its process with it;
  SIGINT and SIGTERM sent to the supervisor's pid alone reach the kernel.
- A supervisor killed alone (SIGKILL to its pid, not its group) takes the kernel with it, idle or
  spinning in a loop, so its ports are freed.

argv[1]: the name of a kernelspec installed with a small --max-old-space-size. Prints a summary line
and exits non-zero on any failure. Node's own "heap out of memory" lines go to this script's stderr,
which the kernel inherits.
"""
import os
import signal
import sys
import time
import unittest

from jupyter_client.manager import start_new_kernel

from kernel_client import TIMEOUT, execute_code, iopub_until_idle, reply_to, start_spinning, value_of

KERNEL = sys.argv.pop(1) if len(sys.argv) > 1 else "quantscope"
FILL_HEAP = "const hog: number[][] = []; while (true) hog.push(new Array(1 << 20).fill(1.5));"


def kernel_process(supervisor_pid):
    """The pid of the kernel process, the supervisor's only child."""
    with open(f"/proc/{supervisor_pid}/task/{supervisor_pid}/children") as f:
        children = [int(p) for p in f.read().split()]
    assert len(children) == 1, f"supervisor {supervisor_pid} has children {children}"
    return children[0]


def gone(pid, within=20.0):
    """Whether process pid ends (or is a zombie) within `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(") ", 1)[1].startswith("Z"):
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


class Supervisor(unittest.TestCase):
    def start(self):
        km, kc = start_new_kernel(kernel_name=KERNEL, startup_timeout=TIMEOUT)
        self.addCleanup(km.shutdown_kernel, now=True)
        self.addCleanup(kc.stop_channels)
        return km, kc

    def assertFreshKernel(self, kc):
        """The client's sockets reach a new kernel: it answers, and counts cells from 1 again."""
        kc.wait_for_ready(timeout=TIMEOUT)
        reply, msgs = execute_code(kc, "6 * 7")
        self.assertEqual(reply["content"]["status"], "ok", msgs)
        self.assertEqual(reply["content"]["execution_count"], 1)

    def test_a_cell_that_fills_the_heap_is_answered_before_the_kernel_exits(self):
        km, kc = self.start()
        self.assertEqual(value_of(kc, "40 + 2"), "42")
        supervisor = km.provisioner.process
        msg_id = kc.execute(FILL_HEAP)
        reply = reply_to(kc, msg_id)["content"]
        self.assertEqual(reply["status"], "error")
        self.assertEqual(reply["ename"], "OutOfMemory")
        self.assertIn("out of memory", reply["evalue"])
        self.assertIn("quantscope kernel install --max-old-space-size", reply["evalue"])
        self.assertEqual(reply["execution_count"], 2)
        msgs = iopub_until_idle(kc, msg_id)
        errors = [m["content"] for m in msgs if m["msg_type"] == "error"]
        self.assertEqual(len(errors), 1, [m["msg_type"] for m in msgs])
        self.assertEqual(errors[0]["ename"], "OutOfMemory")
        self.assertIn("out of memory", errors[0]["evalue"])
        code = supervisor.wait(timeout=TIMEOUT)
        self.assertNotEqual(code, 0)
        print(f"supervisor exit code after out of memory: {code}", file=sys.stderr)
        # What the Jupyter server's restarter does for a dead kernel: a new one on the same ports.
        km.restart_kernel(now=True)
        self.assertFreshKernel(kc)

    def test_shutdown_and_restart_requests_end_the_kernel_with_code_0(self):
        km, kc = self.start()
        self.assertEqual(value_of(kc, "const kept = 1; kept"), "1")
        first = km.provisioner.process
        first_kernel = kernel_process(first.pid)
        km.restart_kernel(now=False)  # a shutdown_request with restart: true
        self.assertEqual(first.wait(timeout=TIMEOUT), 0)
        self.assertTrue(gone(first_kernel))
        self.assertFreshKernel(kc)
        second = km.provisioner.process
        second_kernel = kernel_process(second.pid)
        km.shutdown_kernel(now=False)
        self.assertEqual(second.wait(timeout=TIMEOUT), 0)
        self.assertTrue(gone(second_kernel))

    def test_a_kernel_killed_in_a_cell_is_answered(self):
        # As the system's out-of-memory killer would kill it (memory outside the JavaScript heap).
        km, kc = self.start()
        supervisor = km.provisioner.process
        reply = reply_to(kc, kc.execute('process.kill(process.pid, "SIGKILL")'))["content"]
        self.assertEqual((reply["status"], reply["ename"]), ("error", "KernelDied"))
        self.assertIn("killed by SIGKILL (on Linux, the out-of-memory killer", reply["evalue"])
        self.assertEqual(supervisor.wait(timeout=TIMEOUT), 128 + signal.SIGKILL)

    def test_signals_sent_to_the_supervisor_alone_reach_the_kernel(self):
        km, kc = self.start()
        self.assertEqual(value_of(kc, "const kept = 41; kept"), "41")
        supervisor = km.provisioner.process
        kernel = kernel_process(supervisor.pid)
        msg_id = start_spinning(kc)
        os.kill(supervisor.pid, signal.SIGINT)
        self.assertEqual(reply_to(kc, msg_id)["content"]["ename"], "KeyboardInterrupt")
        iopub_until_idle(kc, msg_id)
        self.assertEqual(value_of(kc, "kept + 1"), "42")
        os.kill(supervisor.pid, signal.SIGTERM)
        self.assertEqual(supervisor.wait(timeout=TIMEOUT), 128 + signal.SIGTERM)
        self.assertTrue(gone(kernel))

    def test_a_supervisor_killed_alone_takes_its_kernel_with_it(self):
        for spinning in (False, True):
            with self.subTest(spinning=spinning):
                km, kc = self.start()
                self.assertEqual(value_of(kc, "1 + 1"), "2")
                supervisor = km.provisioner.process.pid
                kernel = kernel_process(supervisor)
                if spinning:
                    start_spinning(kc)
                os.kill(supervisor, signal.SIGKILL)
                self.assertTrue(gone(kernel), f"kernel process {kernel} still runs after its supervisor was killed")


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    print(f"supervisor: {result.testsRun} ran, {len(result.failures)} failures, {len(result.errors)} errors")
    sys.exit(0 if result.wasSuccessful() else 1)
