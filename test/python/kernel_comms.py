"""Comm, widget-protocol and robustness tests of the quantscope kernel with a real jupyter_client.

jupyter_kernel_test cannot see comm messages (its validator has no schema for them), so these
drive the kernel directly. Run with JUPYTER_PATH pointing at our kernelspec; exits non-zero on failure.
"""
import sys
import time
import unittest
import uuid
from queue import Empty

from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session

import kernel_client
from kernel_client import TIMEOUT, start_spinning


class KernelComms(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name="quantscope", startup_timeout=TIMEOUT)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)

    # -- helpers -------------------------------------------------------------------------------
    def reply_to(self, msg_id):
        return kernel_client.reply_to(self.kc, msg_id)

    def iopub_until_idle(self, msg_id):
        return kernel_client.iopub_until_idle(self.kc, msg_id)

    def execute_code(self, code):
        return kernel_client.execute_code(self.kc, code)

    def value_of(self, code):
        return kernel_client.value_of(self.kc, code)

    def send_shell(self, msg_type, content, buffers=None, session=None):
        s = session or self.kc.session
        msg = s.msg(msg_type, content)
        s.send(self.kc.shell_channel.socket, msg, buffers=buffers or [])
        return msg["header"]["msg_id"]

    # -- widgets -------------------------------------------------------------------------------
    def test_widget_open_display_and_binary_buffer_to_frontend(self):
        reply, msgs = self.execute_code(
            'import { Widget } from "quantscope";\n'
            'const w1 = new Widget({ modelName: "M", modelModule: "m", modelModuleVersion: "1.0.0", viewName: "V", viewModule: "m", viewModuleVersion: "1.0.0" },'
            ' { title: "t", blob: new Uint8Array([1, 2, 3, 250]) });\n'
            "w1.display();"
        )
        self.assertEqual(reply["content"]["status"], "ok")
        types = [m["msg_type"] for m in msgs]
        self.assertEqual(types[0], "status")
        self.assertIn("comm_open", types)
        self.assertLess(types.index("comm_open"), types.index("display_data"))
        self.assertEqual(types[-1], "status")  # idle comes after both
        opened = msgs[types.index("comm_open")]
        self.assertEqual(opened["content"]["target_name"], "jupyter.widget")
        self.assertEqual(opened["metadata"]["version"], "2.1.0")
        self.assertEqual(opened["content"]["data"]["buffer_paths"], [["blob"]])
        self.assertEqual(bytes(opened["buffers"][0]), bytes([1, 2, 3, 250]))
        bundle = msgs[types.index("display_data")]["content"]["data"]
        view = bundle["application/vnd.jupyter.widget-view+json"]
        self.assertEqual(view["version_major"], 2)
        self.assertEqual(view["model_id"], opened["content"]["comm_id"])
        self.assertIn("text/plain", bundle)
        self.assertIn("text/html", bundle)
        type(self).comm_id = opened["content"]["comm_id"]

    def test_widget_update_from_frontend_with_buffer_is_echoed_and_applied(self):
        self.test_widget_open_display_and_binary_buffer_to_frontend()
        self.execute_code('const changes: unknown[] = []; w1.on("change", (c) => changes.push(Object.keys(c)));')
        msg_id = self.send_shell("comm_msg", {"comm_id": self.comm_id, "data": {"method": "update", "state": {"title": "new"}, "buffer_paths": [["blob"]]}}, buffers=[b"\x09\x08\x07"])
        msgs = self.iopub_until_idle(msg_id)
        self.assertEqual(msgs[0]["content"]["execution_state"], "busy")
        echoes = [m for m in msgs if m["msg_type"] == "comm_msg" and m["content"]["data"]["method"] == "echo_update"]
        self.assertEqual(len(echoes), 1)
        self.assertEqual(echoes[0]["content"]["data"]["state"], {"title": "new"})
        self.assertEqual(bytes(echoes[0]["buffers"][0]), b"\x09\x08\x07")
        self.assertEqual(self.value_of('`${w1.get("title")} ${Array.from(new Uint8Array((w1.get("blob") as unknown as DataView).buffer, (w1.get("blob") as unknown as DataView).byteOffset, 3))} ${JSON.stringify(changes)}`'),
                         'new 9,8,7 [["title","blob"]]')

    def test_request_state_and_custom_messages(self):
        self.test_widget_open_display_and_binary_buffer_to_frontend()
        msg_id = self.send_shell("comm_msg", {"comm_id": self.comm_id, "data": {"method": "request_state"}})
        msgs = self.iopub_until_idle(msg_id)
        updates = [m for m in msgs if m["msg_type"] == "comm_msg" and m["content"]["data"]["method"] == "update"]
        self.assertEqual(len(updates), 1, "a full update parented to the request")
        self.assertEqual(updates[0]["content"]["data"]["state"]["_model_name"], "M")
        self.execute_code('w1.onCustom((c, b) => w1.sendCustom({ got: c, n: b.length }, [new Uint8Array([42])]));')
        msg_id = self.send_shell("comm_msg", {"comm_id": self.comm_id, "data": {"method": "custom", "content": {"ping": 1}}}, buffers=[b"x"])
        customs = [m for m in self.iopub_until_idle(msg_id) if m["msg_type"] == "comm_msg" and m["content"]["data"]["method"] == "custom"]
        self.assertEqual(customs[0]["content"]["data"]["content"], {"got": {"ping": 1}, "n": 1})
        self.assertEqual(bytes(customs[0]["buffers"][0]), b"\x2a")

    def test_control_comm_answers_request_states(self):
        self.test_widget_open_display_and_binary_buffer_to_frontend()
        ctl = uuid.uuid4().hex
        self.iopub_until_idle(self.send_shell("comm_open", {"comm_id": ctl, "target_name": "jupyter.widget.control", "data": {}}))
        msgs = self.iopub_until_idle(self.send_shell("comm_msg", {"comm_id": ctl, "data": {"method": "request_states"}}))
        states = [m for m in msgs if m["msg_type"] == "comm_msg" and m["content"]["data"].get("method") == "update_states"]
        self.assertEqual(len(states), 1)
        self.assertIn(self.comm_id, states[0]["content"]["data"]["states"])
        self.assertEqual(states[0]["content"]["data"]["states"][self.comm_id]["model_name"], "M")
        reply = self.kc.comm_info(target_name="jupyter.widget")
        info = self.reply_to(reply)
        self.assertEqual(info["msg_type"], "comm_info_reply")
        self.assertEqual(info["content"]["status"], "ok")
        self.assertEqual(info["content"]["comms"][self.comm_id]["target_name"], "jupyter.widget")

    def test_unknown_target_gets_comm_close(self):
        cid = uuid.uuid4().hex
        msgs = self.iopub_until_idle(self.send_shell("comm_open", {"comm_id": cid, "target_name": "no.such.target", "data": {}}))
        closes = [m for m in msgs if m["msg_type"] == "comm_close"]
        self.assertEqual(len(closes), 1)
        self.assertEqual(closes[0]["content"]["comm_id"], cid)

    # -- robustness ----------------------------------------------------------------------------
    def test_bad_signature_is_rejected_and_never_run(self):
        self.assertEqual(self.value_of("let touched = 0; touched"), "0")
        forged = Session(key=b"not-the-key", session=self.kc.session.session)
        self.send_shell("execute_request", {"code": "touched = 1", "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False}, session=forged)
        unsigned = Session(key=b"", session=self.kc.session.session)
        self.send_shell("execute_request", {"code": "touched = 2", "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False}, session=unsigned)
        time.sleep(0.5)
        self.assertEqual(self.value_of("touched"), "0")

    def test_garbage_unknown_comms_oversized_and_floods_do_not_hurt(self):
        sock = self.kc.shell_channel.socket
        sock.send_multipart([b"<IDS|MSG>", b"sig", b"{not json", b"{}", b"{}", b"{}"])
        sock.send_multipart([b"just one frame"])
        good = self.kc.session
        # Malformed JSON correctly signed: parses fails after the signature check.
        parts = [b"{bad json", b"{}", b"{}", b"{}"]
        sock.send_multipart([b"<IDS|MSG>", good.sign(parts)] + parts)
        self.send_shell("comm_msg", {"comm_id": "does-not-exist", "data": {"method": "update", "state": {}}})
        self.send_shell("comm_close", {"comm_id": "does-not-exist", "data": {}})
        self.send_shell("comm_msg", {"data": {}})  # no comm_id at all
        self.send_shell("execute_request", {"code": "1", "silent": False}, buffers=[b"\0" * (3 << 20)])  # over the test's 2 MB limit
        for i in range(1000):
            self.send_shell("comm_msg", {"comm_id": "flood", "data": {"i": i}})
        self.assertEqual(self.value_of("40 + 2"), "42")

    def test_interrupt_stops_a_busy_loop_and_keeps_state(self):
        self.assertEqual(self.value_of("const before = 41; before"), "41")
        msg_id = start_spinning(self.kc, "let spins = 0; while (true) { spins++; }")
        # The client sees the cell busy while it runs, not only once it ends.
        seen = []
        while "execute_input" not in seen:
            m = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if m["parent_header"].get("msg_id") == msg_id:
                seen.append(m["msg_type"] if m["msg_type"] != "status" else m["content"]["execution_state"])
        self.assertEqual(seen, ["busy", "execute_input"])
        self.km.interrupt_kernel()
        reply = self.reply_to(msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "KeyboardInterrupt")
        self.iopub_until_idle(msg_id)
        self.assertEqual(self.value_of("before + 1"), "42")

    def test_interrupt_request_on_control_stops_a_busy_loop_and_keeps_state(self):
        # interrupt_mode "message": the request must get through while the main thread spins.
        self.assertEqual(self.value_of("const kept = 6; kept"), "6")
        msg_id = start_spinning(self.kc, "let turns = 0; while (true) { turns++; }")
        # The heartbeat answers while the loop runs (it lives on the control thread).
        self.assertTrue(self.kc.hb_channel.is_beating())
        forged = Session(key=b"not-the-key", session=self.kc.session.session)
        forged.send(self.kc.control_channel.socket, forged.msg("interrupt_request", {}))
        time.sleep(1.0)
        with self.assertRaises(Empty, msg="a forged interrupt_request is ignored: the loop still runs"):
            self.kc.get_shell_msg(timeout=0.5)
        self.kc.session.send(self.kc.control_channel.socket, self.kc.session.msg("interrupt_request", {}))
        self.assertEqual(self.kc.get_control_msg(timeout=TIMEOUT)["msg_type"], "interrupt_reply")
        reply = self.reply_to(msg_id)
        self.assertEqual(reply["content"]["ename"], "KeyboardInterrupt")
        self.iopub_until_idle(msg_id)
        self.assertEqual(self.value_of("kept * 7"), "42")


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    print(f"comms: {result.testsRun} ran, {len(result.failures)} failures, {len(result.errors)} errors")
    sys.exit(0 if result.wasSuccessful() else 1)
