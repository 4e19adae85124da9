"""A tiny fake OpenAI chat-completions server for tests (stdlib only, 127.0.0.1, free port).

Usage::

    try:  # tests/ may or may not be a package
        from tests.fake_openai_server import FakeOpenAIServer
    except ImportError:
        from fake_openai_server import FakeOpenAIServer

    with FakeOpenAIServer("rate_limit", "ok", text="Answer [1].") as srv:
        llm = ChatLLM(base_url=srv.base_url, api_key="k", model_id="fake")
        ...
        srv.requests[-1]["headers"]["authorization"]   # "Bearer k"
        srv.requests[-1]["json"]["messages"]           # what the client sent

Behaviours are consumed one per POST /v1/chat/completions request, in order; the
last one then repeats. Change them mid-test with ``srv.set("error500")``.
Each works for streamed (SSE) and non-streamed requests:

    "ok"           answer ``text`` (streamed as one delta per word, ``finish_reason`` "stop", ``[DONE]``)
    "slow"         like "ok" but sleeps ``delay`` seconds (default 0.2) before each delta (or before answering)
    "empty"        a well-formed answer with no text
    "error500"     HTTP 500 with an OpenAI-style JSON error body
    "rate_limit"   HTTP 429 with ``Retry-After: <retry_after>`` (default 1)
    "unavailable"  HTTP 503 with ``Retry-After: <retry_after>``
    "unauthorized" HTTP 401 whose message echoes the bearer token it received
                   (as some real servers do: the client must scrub it)
    "truncate"     a few deltas, then the connection is closed mid-body (no finish_reason, no [DONE])
    "no_done"      a few deltas, then the body ends cleanly without finish_reason or [DONE]
    "silence"      reads the request and never answers (until the server stops)
    "malformed"    one good delta, then a chunk that is not JSON (non-streamed: a body that is not JSON)
    "error_event"  one good delta, then an in-stream ``{"error": {...}}`` event

Every request is recorded in ``srv.requests`` as a dict with ``method``, ``path``,
``headers`` (lower-cased names) and ``json`` (parsed body or None);
``srv.chat_requests`` keeps only the chat-completions ones. GET /health and
GET /v1/models answer 200. The server stops itself when the ``with`` block ends
(or on ``stop()``), releasing any "silence" handlers.
"""
from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_TEXT = "The answer is 42 [1]."
BEHAVIOURS = ("ok", "slow", "empty", "error500", "rate_limit", "unavailable", "unauthorized",
              "truncate", "no_done", "silence", "malformed", "error_event")


class FakeOpenAIServer:
    def __init__(self, *behaviours: str, text: str = DEFAULT_TEXT, retry_after: float = 1,
                 delay: float = 0.2, model: str = "fake-model"):
        self.text = text
        self.retry_after = retry_after
        self.delay = delay
        self.model = model
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._script: list[str] = []
        self.set(*(behaviours or ("ok",)))
        self._httpd = _QuietServer(("127.0.0.1", 0), _make_handler(self))
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread: threading.Thread | None = None

    # -- control -----------------------------------------------------------------
    def set(self, *behaviours: str) -> None:
        """Replace the behaviour script (one per chat request; the last repeats)."""
        unknown = [b for b in behaviours if b not in BEHAVIOURS]
        if unknown or not behaviours:
            raise ValueError(f"unknown behaviour(s) {unknown}; choose from {BEHAVIOURS}")
        with self._lock:
            self._script = list(behaviours)

    def _next_behaviour(self) -> str:
        with self._lock:
            return self._script.pop(0) if len(self._script) > 1 else self._script[0]

    @property
    def chat_requests(self) -> list[dict]:
        return [r for r in self.requests if r["path"].endswith("/chat/completions")]

    def start(self) -> "FakeOpenAIServer":
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                            name=f"fake-openai-{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()  # releases "silence" handlers
        if self._thread is not None:
            self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "FakeOpenAIServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True  # "silence" handlers must not keep the process alive

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # clients hanging up is normal here
            super().handle_error(request, client_address)


def _make_handler(server: FakeOpenAIServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive + chunked transfer, like real servers

        def log_message(self, *args) -> None:  # keep test output clean
            pass

        # -- helpers ---------------------------------------------------------------
        def _record(self, body: dict | None) -> None:
            entry = {"method": self.command, "path": self.path,
                     "headers": {k.lower(): v for k, v in self.headers.items()}, "json": body}
            with server._lock:
                server.requests.append(entry)

        def _send_json(self, status: int, payload, headers: dict | None = None) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, message: str, kind: str, headers: dict | None = None) -> None:
            self._send_json(status, {"error": {"message": message, "type": kind, "code": None}}, headers)

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def _event(self, payload) -> None:
            data = payload if isinstance(payload, str) else json.dumps(payload)
            self._chunk(f"data: {data}\n\n".encode())

        def _delta(self, content: str | None = None, role: str | None = None, finish: str | None = None) -> dict:
            delta = {k: v for k, v in (("role", role), ("content", content)) if v is not None}
            return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                    "model": server.model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

        # -- routes ----------------------------------------------------------------
        def do_GET(self) -> None:
            self._record(None)
            if self.path.rstrip("/") in ("/health", "/v1/health"):
                self._send_json(200, {"status": "ok"})
            elif self.path.rstrip("/") == "/v1/models":
                self._send_json(200, {"object": "list", "data": [{"id": server.model, "object": "model"}]})
            else:
                self._error(404, "not found", "not_found_error")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            self._record(body)
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._error(404, "not found", "not_found_error")
                return
            behaviour = server._next_behaviour()
            stream = bool(body and body.get("stream"))
            retry = {"Retry-After": f"{server.retry_after:g}"}
            if behaviour == "silence":
                server._stopping.wait()
                self.close_connection = True
            elif behaviour == "error500":
                self._error(500, "The server had an error while processing your request.", "server_error")
            elif behaviour == "rate_limit":
                self._error(429, "Rate limit reached, please retry.", "rate_limit_error", retry)
            elif behaviour == "unavailable":
                self._error(503, "The engine is currently overloaded.", "server_error", retry)
            elif behaviour == "unauthorized":
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                self._error(401, f"Incorrect API key provided: {token}.", "invalid_request_error")
            elif stream:
                self._stream(behaviour)
            else:
                self._complete(behaviour)

        def _complete(self, behaviour: str) -> None:
            if behaviour == "malformed":
                self._send_json(200, b'{"id": "chatcmpl-fake", "choices": [{"mess')
                return
            if behaviour in ("truncate", "no_done"):
                # Promise more bytes than we send, then hang up.
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "4096")
                self.end_headers()
                self.wfile.write(b'{"id": "chatcmpl-fake", "choices": [')
                self.wfile.flush()
                self.close_connection = True
                return
            if behaviour == "slow":
                time.sleep(server.delay)
            text = "" if behaviour == "empty" else server.text
            self._send_json(200, {
                "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                "model": server.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}})

        def _stream(self, behaviour: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            words = server.text.split(" ")
            pieces = [w if i == 0 else " " + w for i, w in enumerate(words)]
            self._event(self._delta(role="assistant", content=""))
            try:
                if behaviour in ("truncate", "no_done"):
                    for piece in pieces[:2]:
                        self._event(self._delta(piece))
                    if behaviour == "truncate":
                        self.close_connection = True  # hang up without the terminating chunk
                    else:
                        self._chunk(b"")  # a clean end of body, but no finish_reason / [DONE]
                    return
                if behaviour == "malformed":
                    self._event(self._delta(pieces[0]))
                    self._event('{"id": "chatcmpl-fake", "choices": [{"delta": {"content": "oops"')
                    self._event("[DONE]")
                    self._chunk(b"")
                    return
                if behaviour == "error_event":
                    self._event(self._delta(pieces[0]))
                    self._event({"error": {"message": "model crashed", "type": "server_error"}})
                    self._event("[DONE]")
                    self._chunk(b"")
                    return
                if behaviour != "empty":
                    for piece in pieces:
                        if behaviour == "slow":
                            if server._stopping.wait(server.delay):
                                self.close_connection = True
                                return
                        self._event(self._delta(piece))
                self._event(self._delta(finish="stop"))
                self._event("[DONE]")
                self._chunk(b"")
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client went away: fine

    return Handler
