"""A cell that fills the heap, run as a notebook runs it: through jupyter_server's websocket.

Starts a kernel by the REST API, runs `1 + 1`, then a cell that fills the heap, and reads the
websocket until the server says the kernel is restarting; then runs `6 * 7` on the same websocket,
which the restarted kernel must answer. Prints one JSON line: the (channel, msg_type, detail) of the
messages parented to the heap-filling cell, plus every status (each with whether it is parented to
that cell: the server's own kernel_info requests get statuses of their own), and the result after
the restart.
argv: the server's base URL, the kernel name.
"""
import asyncio
import json
import sys
import uuid

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

URL, KERNEL = sys.argv[1], sys.argv[2]
TIMEOUT = 120
FILL_HEAP = "const hog: number[][] = []; while (true) hog.push(new Array(1 << 20).fill(1.5));"


def execute_request(code, session):
    header = {"msg_id": uuid.uuid4().hex, "msg_type": "execute_request", "session": session, "username": "test", "version": "5.3", "date": ""}
    content = {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}
    return {"header": header, "parent_header": {}, "metadata": {}, "channel": "shell", "content": content}


async def main():
    http = AsyncHTTPClient()
    # Generous time-outs: a loaded machine, and the server waits for the kernel before it answers.
    # path "": the kernel runs in the server's (empty) root folder, as a notebook there would; without
    # it, in the server's own folder, whose node_modules/@types the kernel would load.
    kernel = json.loads((await http.fetch(f"{URL}/api/kernels", method="POST", body=json.dumps({"name": KERNEL, "path": ""}), request_timeout=TIMEOUT)).body)["id"]
    session = uuid.uuid4().hex
    ws = await websocket_connect(HTTPRequest(f"{URL.replace('http', 'ws', 1)}/api/kernels/{kernel}/channels?session_id={session}", connect_timeout=TIMEOUT, request_timeout=TIMEOUT))

    async def run(code, done):
        """Sends a cell; returns the messages parented to it and every status, up to done(msg, request)."""
        request = execute_request(code, session)
        await ws.write_message(json.dumps(request))
        seen = []
        while True:
            m = json.loads(await asyncio.wait_for(ws.read_message(), TIMEOUT))
            mine = m["parent_header"].get("msg_id") == request["header"]["msg_id"]
            if mine or m["msg_type"] == "status":
                c = m["content"]
                seen.append([m["channel"], m["msg_type"], c.get("execution_state") or c.get("ename") or c.get("status") or c.get("data", {}).get("text/plain"), mine])
            if done(m, mine):
                return seen

    await run("1 + 1", lambda m, mine: mine and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle")
    oom = await run(FILL_HEAP, lambda m, mine: m["msg_type"] == "status" and m["content"]["execution_state"] == "restarting")
    after = await run("6 * 7", lambda m, mine: mine and m["msg_type"] == "execute_result")
    ws.close()
    await http.fetch(f"{URL}/api/kernels/{kernel}", method="DELETE", request_timeout=TIMEOUT)
    print(json.dumps({"oom": oom, "after_restart": after[-1][2]}))


asyncio.run(main())
