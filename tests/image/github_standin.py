#!/usr/bin/env python3
"""A loopback stand-in for the two GitHub REST calls the sticky PR comment makes (list the pull
request's comments, create one), for scripts/image-smoke.sh. Every request is appended to
REQUESTS_FILE as one JSON line (method, path, body); the bound port is written to PORT_FILE.

    github_standin.py PORT_FILE REQUESTS_FILE
"""
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT_FILE, REQUESTS_FILE = sys.argv[1], sys.argv[2]
COMMENTS = re.compile(r"^/repos/[^/]+/[^/]+/issues/(\d+)/comments$")


def comment(number, body):
    return {
        "id": 101,
        "node_id": "IC_101",
        "url": "https://api.github.com/repos/acme/rules/issues/comments/101",
        "html_url": f"https://github.com/acme/rules/pull/{number}#issuecomment-101",
        "body": body,
        "user": {"login": "github-actions[bot]", "id": 1, "type": "Bot"},
        "created_at": "2026-12-04T10:00:00Z",
        "updated_at": "2026-12-04T10:00:00Z",
    }


class Handler(BaseHTTPRequestHandler):
    def record(self, body):
        with open(REQUESTS_FILE, "a", encoding="utf-8") as f:
            f.write(json.dumps({"method": self.command, "path": self.path, "body": body}) + "\n")

    def reply(self, status, value):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.record(None)
        path = self.path.split("?", 1)[0]
        if COMMENTS.match(path):
            self.reply(200, [])
        else:
            self.reply(404, {"message": "Not Found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace")
        self.record(raw)
        m = COMMENTS.match(self.path.split("?", 1)[0])
        if m:
            body = json.loads(raw).get("body", "")
            self.reply(201, comment(m.group(1), body))
        else:
            self.reply(404, {"message": "Not Found"})

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE, "w", encoding="utf-8") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
