"""The WeCom and DingTalk robot APIs, played on loopback by a real HTTP server the tests
start and stop: each checks its path and key, DingTalk its timestamp and signature (加签,
recomputed here with the robot's secret), and records every request it received. Answers
are chosen per test: an error code for a number of requests, an HTTP 500, an answer given
too late (after the client's timeout)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

WECOM_KEY = "693a91f6-7a0c-4bc4-97a0-0ec2f1fa5aaa"
DINGTALK_TOKEN = "e9a8118c8a3dc0b1a2f34d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192"
DINGTALK_SECRET = "SEC10d6e79b42bd94be0d0d603843651aa2ccd7186db6edbc0123456789abcdef"
WECOM_URL = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"
DINGTALK_URL = f"https://oapi.dingtalk.com/robot/send?access_token={DINGTALK_TOKEN}"


@dataclass
class Received:
    channel: str  # wecom or dingtalk
    query: dict[str, str]
    body: dict[str, Any]


@dataclass
class Behaviour:
    """What the server answers; each test sets what it needs."""

    errcodes: list[int] = field(default_factory=list)  # one per accepted request, then 0
    status: int = 200  # an HTTP status instead of 200 (500 …)
    answer_after: float = 0.0  # seconds to wait before answering (after taking the request)


@dataclass
class RobotApi:
    base: str  # http://127.0.0.1:<port>: the settings' wecom_api_base and dingtalk_api_base
    behaviour: Behaviour
    received: list[Received]  # every request whose path and key were right
    requests: list[str]  # every request's path and query, whatever it was

    def posted(self) -> list[Received]:
        """The requests the robots took: answered errcode 0."""
        return [r for r in self.received if r.body.get("_errcode") == 0]


def _dingtalk_signed(query: dict[str, str]) -> bool:
    timestamp = query.get("timestamp", "")
    if not timestamp.isdigit() or abs(int(timestamp) / 1000 - time.time()) > 3600:
        return False
    text = f"{timestamp}\n{DINGTALK_SECRET}".encode()
    expected = hmac.new(DINGTALK_SECRET.encode(), text, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(expected).decode(), query.get("sign", ""))


def _handler(api: RobotApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            api.requests.append(self.path)
            parts = urlsplit(self.path)
            query = {name: values[0] for name, values in parse_qs(parts.query).items()}
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if parts.path == "/cgi-bin/webhook/send":
                channel, known = "wecom", query.get("key") == WECOM_KEY
                code = 0 if known else 93000
            elif parts.path == "/robot/send":
                channel, known = "dingtalk", query.get("access_token") == DINGTALK_TOKEN
                code = 300001 if not known else 0 if _dingtalk_signed(query) else 310000
            else:
                self._answer(404, {})
                return
            if known and code == 0 and api.behaviour.errcodes:
                code = api.behaviour.errcodes.pop(0)
            if api.behaviour.status != 200:
                self._answer(api.behaviour.status, {})
                return
            api.received.append(Received(channel, query, {**body, "_errcode": code}))
            time.sleep(api.behaviour.answer_after)
            self._answer(200, {"errcode": code, "errmsg": "ok" if code == 0 else "refused"})

        def _answer(self, status: int, answer: dict[str, Any]) -> None:
            data = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up waiting
                pass

    return Handler


@contextmanager
def robot_api(behaviour: Behaviour | None = None) -> Iterator[RobotApi]:
    """Both robot APIs on 127.0.0.1, on a free port, for the duration of the block."""
    api = RobotApi("", behaviour or Behaviour(), [], [])
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    server.daemon_threads = True
    api.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
