#!/usr/bin/env python3
"""A stand-in OpenAI-compatible server for end-to-end tests: every chat completion gets a fixed
reply, TURN1 for a one-message conversation and FOLLOWUP for a longer one. It listens on a free
port of 127.0.0.1, writes that port to PORT_FILE and serves until killed.
Usage: stub_openai.py PORT_FILE TURN1 FOLLOWUP"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT_FILE, TURN1, FOLLOWUP = sys.argv[1:4]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        users = [m for m in body.get("messages", []) if m.get("role") == "user"]
        text = TURN1 if len(users) <= 1 else FOLLOWUP
        out = json.dumps({"id": "stub", "object": "chat.completion", "model": body.get("model", "stub"),
                          "choices": [{"index": 0, "finish_reason": "stop",
                                       "message": {"role": "assistant", "content": text}}],
                          "usage": {"prompt_tokens": 1, "completion_tokens": 1}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):  # quiet: the test prints what matters
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os  # noqa: E402  (rename last: the port file appears complete)
os.replace(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
