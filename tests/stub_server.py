"""Local OpenAI-compatible Chat Completions stub server for tests.

Drives the real ``openai`` / ``instructor`` clients over real HTTP::

    with StubServer(script=[Reply.status(429), Reply.ok({"answer": 42})]) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-test")
        ...

Standard library only.  Every connection is closed after one response
(``Connection: close``) so handler threads are short-lived, and every sleep
inside the server is interruptible so that ``close()`` returns quickly.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = [
    "DEFAULT_FAULT_KINDS",
    "STUB_MODEL_ID",
    "FaultPlan",
    "RecordedRequest",
    "Reply",
    "StubServer",
    "default_responder",
    "error_body",
]

STUB_MODEL_ID = "stub-model"
"""Model id listed by ``GET /v1/models`` and echoed when a request has none."""

DEFAULT_FAULT_KINDS: tuple[str, ...] = (
    "429",
    "429_retry_after",
    "500",
    "503",
    "timeout",
    "drop",
    "invalid_json",
    "truncated_json",
    "schema_invalid",
    "empty_choices",
    "length",
    "content_filter",
)

_ERROR_TYPES: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("authentication_error", "invalid_api_key"),
    403: ("permission_error", "forbidden"),
    404: ("invalid_request_error", "not_found"),
    408: ("timeout_error", "timeout"),
    409: ("conflict_error", "conflict"),
    422: ("invalid_request_error", "unprocessable_entity"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    500: ("server_error", "internal_error"),
    502: ("server_error", "bad_gateway"),
    503: ("server_error", "service_unavailable"),
    504: ("server_error", "gateway_timeout"),
}

_ids = itertools.count(1)


def _next_id(prefix: str) -> str:
    """Return a unique, readable id such as ``chatcmpl-stub-7``."""
    return f"{prefix}-stub-{next(_ids)}"


def error_body(code: int, message: str | None = None) -> dict[str, Any]:
    """Build an OpenAI-style error JSON body for HTTP status ``code``."""
    err_type, err_code = _ERROR_TYPES.get(
        code, ("server_error" if code >= 500 else "invalid_request_error", str(code))
    )
    return {
        "error": {
            "message": message or f"stub error {code}",
            "type": err_type,
            "param": None,
            "code": err_code,
        }
    }


@dataclass(frozen=True)
class RecordedRequest:
    """One chat-completion request as received by the server."""

    body: dict[str, Any]
    headers: dict[str, str]
    path: str


@dataclass(frozen=True)
class _Rendered:
    """A fully rendered HTTP answer (``None`` status means: drop the socket)."""

    status: int | None
    headers: tuple[tuple[str, str], ...] = ()
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class Reply:
    """What the server answers to one chat request; build it via classmethods."""

    kind: str
    payload: dict[str, Any] | str | None = None
    finish_reason: str = "stop"
    usage: tuple[int, int] | None = None
    think: str | None = None
    status_code: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: dict[str, Any] | None = None
    delay: float = 0.0

    # -- constructors -------------------------------------------------------

    @classmethod
    def ok(
        cls,
        payload: dict[str, Any] | str,
        *,
        finish_reason: str = "stop",
        usage: tuple[int, int] | None = None,
        think: str | None = None,
    ) -> Reply:
        """Successful completion; a tool call when the request has ``tools``."""
        return cls("ok", payload, finish_reason, usage, think)

    @classmethod
    def raw_content(
        cls, text: str, finish_reason: str = "stop", usage: tuple[int, int] | None = None
    ) -> Reply:
        """Successful completion whose ``content`` is exactly ``text`` (tools ignored)."""
        return cls("raw", text, finish_reason, usage)

    @classmethod
    def status(
        cls,
        code: int,
        *,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Reply:
        """HTTP error ``code`` with an OpenAI-style error body (or ``body``)."""
        return cls(
            "status",
            status_code=code,
            headers=tuple((headers or {}).items()),
            body=body,
        )

    @classmethod
    def hang(cls, seconds: float) -> Reply:
        """Sleep ``seconds`` (to trigger client read timeouts), then ``ok({})``."""
        return cls("ok", {}, delay=seconds)

    @classmethod
    def drop(cls) -> Reply:
        """Close the socket without sending any response."""
        return cls("drop")

    @classmethod
    def empty_choices(cls) -> Reply:
        """HTTP 200 with ``"choices": []``."""
        return cls("empty")

    def delayed(self, seconds: float) -> Reply:
        """Return a copy of this reply that is sent after ``seconds``."""
        return dataclasses.replace(self, delay=seconds)

    # -- rendering ----------------------------------------------------------

    def render(self, request: dict[str, Any]) -> _Rendered:
        """Render this reply as an answer to the chat request body ``request``."""
        if self.kind == "drop":
            return _Rendered(None)
        if self.kind == "status":
            body = self.body if self.body is not None else error_body(self.status_code)
            return _Rendered(self.status_code, self.headers, body)
        if self.kind == "empty":
            return _Rendered(200, (), _completion(request, [], (0, 0)))

        message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
        tool = _chosen_tool(request) if self.kind == "ok" else None
        if tool is not None:
            payload = self.payload
            arguments = payload if isinstance(payload, str) else json.dumps(payload)
            message["tool_calls"] = [
                {
                    "id": _next_id("call"),
                    "type": "function",
                    "function": {"name": tool, "arguments": arguments},
                }
            ]
            text = arguments
        else:
            payload = self.payload if self.payload is not None else ""
            text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
            if self.kind == "ok" and self.think is not None:
                text = f"<think>{self.think}</think>\n{text}"
            message["content"] = text

        usage = self.usage
        if usage is None:
            prompt = json.dumps(request.get("messages", []), ensure_ascii=False)
            usage = (len(prompt) // 4, len(text) // 4)
        choice = {
            "index": 0,
            "message": message,
            "finish_reason": self.finish_reason,
            "logprobs": None,
        }
        return _Rendered(200, (), _completion(request, [choice], usage))


def _chosen_tool(request: dict[str, Any]) -> str | None:
    """Name of the function to call: the forced ``tool_choice`` or the first tool."""
    tools = request.get("tools") or []
    if not tools:
        return None
    choice = request.get("tool_choice")
    if choice == "none":
        return None
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name") or choice.get("name")
        if name:
            return str(name)
    first = tools[0]
    return str((first.get("function") or {}).get("name") or first.get("name") or "tool")


def _completion(
    request: dict[str, Any], choices: list[dict[str, Any]], usage: tuple[int, int]
) -> dict[str, Any]:
    """Standard ``chat.completion`` envelope."""
    prompt_tokens, completion_tokens = usage
    return {
        "id": _next_id("chatcmpl"),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model") or STUB_MODEL_ID,
        "choices": choices,
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def default_responder(_request: dict[str, Any]) -> Reply:
    """Responder used when none is given: ``Reply.ok({})``."""
    return Reply.ok({})


class FaultPlan:
    """Seeded, deterministic random fault injection.

    Each request draws once from ``random.Random(seed)`` (under a lock): with
    probability ``rate`` it gets a fault whose kind is chosen from ``kinds``.
    """

    hang_seconds: float = 3.0
    """How long a ``"timeout"`` fault hangs before answering."""
    retry_after: str = "1"
    """``Retry-After`` header value of a ``"429_retry_after"`` fault."""

    def __init__(
        self,
        rate: float,
        seed: int,
        kinds: Sequence[str] = DEFAULT_FAULT_KINDS,
        *,
        hang_seconds: float | None = None,
        retry_after: str | None = None,
    ) -> None:
        """Validate arguments and seed the private random generator."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be within [0, 1], got {rate}")
        unknown = sorted(set(kinds) - set(DEFAULT_FAULT_KINDS))
        if unknown or not kinds:
            raise ValueError(f"unknown or empty fault kinds: {unknown or kinds!r}")
        self.rate = rate
        self.seed = seed
        self.kinds: tuple[str, ...] = tuple(kinds)
        if hang_seconds is not None:
            self.hang_seconds = hang_seconds
        if retry_after is not None:
            self.retry_after = retry_after
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def draw(self) -> str | None:
        """Decide the next request's fate: a fault kind, or ``None`` for no fault."""
        with self._lock:
            if self._rng.random() >= self.rate:
                return None
            return self._rng.choice(self.kinds)

    def reply_for(self, kind: str) -> Reply:
        """The ``Reply`` that realises fault ``kind``."""
        truncated = '{"answer": "this JSON is cut o'
        replies: dict[str, Reply] = {
            "429": Reply.status(429),
            "429_retry_after": Reply.status(429, headers={"Retry-After": self.retry_after}),
            "500": Reply.status(500),
            "503": Reply.status(503),
            "timeout": Reply.hang(self.hang_seconds),
            "drop": Reply.drop(),
            "invalid_json": Reply.ok("Sure! Here is the JSON you asked for: {answer: 42,}"),
            "truncated_json": Reply.ok(truncated),
            "schema_invalid": Reply.ok({"unexpected": 1}),
            "empty_choices": Reply.empty_choices(),
            "length": Reply.ok(truncated, finish_reason="length"),
            "content_filter": Reply.raw_content("", finish_reason="content_filter"),
        }
        return replies[kind]


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that tracks its handler threads for a bounded join."""

    daemon_threads = True
    # socketserver's default backlog of 5 makes Linux drop bursts of connections (the client
    # retries a second later), which would be measured as scorer latency.
    request_queue_size = 128
    block_on_close = False
    stub: StubServer

    def __init__(self, stub: StubServer) -> None:
        """Bind 127.0.0.1 on a free port."""
        self.stub = stub
        self.handler_threads: set[threading.Thread] = set()
        self.threads_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Handle each connection in a tracked daemon thread."""
        thread = threading.Thread(
            target=self._run_tracked,
            args=(request, client_address),
            name=f"stub-handler-{client_address[1]}",
            daemon=True,
        )
        with self.threads_lock:
            self.handler_threads.add(thread)
        thread.start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that vanished; report anything else."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def _run_tracked(self, request: Any, client_address: Any) -> None:
        """Run the stdlib per-connection processing, then untrack the thread."""
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self.threads_lock:
                self.handler_threads.discard(threading.current_thread())


class _Handler(BaseHTTPRequestHandler):
    """Routes requests to the owning ``StubServer``."""

    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    timeout = 10.0  # safety net: never block forever on a silent client

    def log_message(self, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        """``GET /v1/models``; anything else is a 404."""
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/v1/models":
            data = [{"id": STUB_MODEL_ID, "object": "model", "created": 0, "owned_by": "stub"}]
            self._send(_Rendered(200, (), {"object": "list", "data": data}))
        else:
            self._send(_Rendered(404, (), error_body(404, f"no route for GET {path}")))

    def do_POST(self) -> None:
        """``POST /v1/chat/completions``; anything else is a 404."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0].rstrip("/")
        if path != "/v1/chat/completions":
            self._send(_Rendered(404, (), error_body(404, f"no route for POST {path}")))
            return
        try:
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError("request body must be a JSON object")
        except ValueError as exc:
            self._send(_Rendered(400, (), error_body(400, f"invalid JSON body: {exc}")))
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        self._send(self.server.stub._handle_chat(RecordedRequest(body, headers, self.path)))

    def _send(self, rendered: _Rendered) -> None:
        """Write ``rendered`` (or drop the connection); ignore vanished clients."""
        self.close_connection = True
        if rendered.status is None:
            return  # finish() + shutdown_request() close the socket unanswered
        data = json.dumps(rendered.body, ensure_ascii=False).encode()
        try:
            self.send_response(rendered.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.send_header("x-request-id", _next_id("req"))
            for name, value in rendered.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # client gave up (e.g. read timeout) before we answered


class StubServer:
    """OpenAI-compatible chat-completions server on ``127.0.0.1:<random port>``.

    Reply selection per chat request: the ``faults`` plan draws first; if no
    fault, the next ``script`` item is used; once the script is exhausted (or
    without one) ``responder(request_json)`` decides.
    """

    def __init__(
        self,
        responder: Callable[[dict[str, Any]], Reply] | None = None,
        *,
        script: Iterable[Reply] | None = None,
        latency: float = 0.0,
        faults: FaultPlan | None = None,
    ) -> None:
        """Configure the server; call ``start()`` or use ``with`` to run it."""
        self.responder: Callable[[dict[str, Any]], Reply] = responder or default_responder
        self.latency = latency
        self.faults = faults
        self._script: deque[Reply] = deque(script or ())
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._requests: list[RecordedRequest] = []
        self._faults_injected: list[str] = []
        self._errors: list[BaseException] = []
        self._in_flight = 0
        self._max_in_flight = 0
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> StubServer:
        """Bind a free port and serve in a daemon thread."""
        if self._httpd is not None:
            raise RuntimeError("StubServer already started")
        self._stop.clear()
        self._httpd = _HTTPServer(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"stub-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self, timeout: float = 2.0) -> None:
        """Stop serving, wake sleeping handlers and join all threads (bounded)."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        self._stop.set()
        httpd.shutdown()
        httpd.server_close()
        deadline = time.monotonic() + timeout
        thread.join(max(0.0, deadline - time.monotonic()))
        with httpd.threads_lock:
            handlers = list(httpd.handler_threads)
        for handler in handlers:
            handler.join(max(0.0, deadline - time.monotonic()))
        self._httpd = self._thread = None

    def __enter__(self) -> StubServer:
        """Start the server."""
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        """Shut the server down."""
        self.close()

    # -- introspection ------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound TCP port."""
        if self._httpd is None:
            raise RuntimeError("StubServer is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1`` — pass as ``base_url`` to ``openai.OpenAI``."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Snapshot of the chat requests received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def faults_injected(self) -> list[str]:
        """Snapshot of the fault kinds injected so far, in order."""
        with self._lock:
            return list(self._faults_injected)

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised by the responder (each was answered with a 500)."""
        with self._lock:
            return list(self._errors)

    @property
    def in_flight(self) -> int:
        """Chat requests being handled right now."""
        with self._lock:
            return self._in_flight

    @property
    def max_in_flight(self) -> int:
        """Highest number of chat requests handled at the same time."""
        with self._lock:
            return self._max_in_flight

    def add_script(self, *replies: Reply) -> None:
        """Append replies to the script (used before falling back to the responder)."""
        with self._lock:
            self._script.extend(replies)

    # -- request handling ---------------------------------------------------

    def _handle_chat(self, recorded: RecordedRequest) -> _Rendered:
        """Record the request, pick a reply, wait, and render it."""
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            self._requests.append(recorded)
            reply: Reply | None = None
            if recorded.body.get("stream"):
                reply = Reply.status(
                    400, body=error_body(400, "the stub server does not support stream=true")
                )
            elif self.faults is not None and (fault := self.faults.draw()) is not None:
                self._faults_injected.append(fault)
                reply = self.faults.reply_for(fault)
            elif self._script:
                reply = self._script.popleft()
        try:
            if reply is None:
                try:
                    reply = self.responder(recorded.body)
                except Exception as exc:  # surfaced to the client as a 500
                    with self._lock:
                        self._errors.append(exc)
                    return _Rendered(500, (), error_body(500, f"stub responder failed: {exc!r}"))
            if self._sleep(self.latency + reply.delay):
                return _Rendered(None)  # server is closing: just drop the connection
            return reply.render(recorded.body)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _sleep(self, seconds: float) -> bool:
        """Interruptible sleep; ``True`` if the server is shutting down."""
        if seconds <= 0:
            return self._stop.is_set()
        return self._stop.wait(seconds)
