"""Examples / tests for the OpenAI-compatible stub server in ``stub_server.py``.

Every test talks to the stub through the real ``openai`` client over real HTTP.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import instructor
import openai
import pytest
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel

from stub_server import DEFAULT_FAULT_KINDS, STUB_MODEL_ID, FaultPlan, Reply, StubServer

MESSAGES: list[Any] = [{"role": "user", "content": "Where is the Eiffel tower?"}]


class City(BaseModel):
    """Tiny response model used in the instructor examples."""

    name: str
    population: int


PARIS = {"name": "Paris", "population": 2_100_000}


def make_client(server: StubServer, **kwargs: Any) -> openai.OpenAI:
    """A real OpenAI client pointed at the stub (no retries unless asked)."""
    kwargs.setdefault("max_retries", 0)
    return openai.OpenAI(base_url=server.base_url, api_key="sk-test", **kwargs)


def chat(client: openai.OpenAI, **kwargs: Any) -> Any:
    """Send ``MESSAGES`` to the stub with model ``gpt-test``."""
    return client.chat.completions.create(model="gpt-test", messages=MESSAGES, **kwargs)


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Every test must leave no stub server or handler threads behind."""
    yield
    leaked = [t.name for t in threading.enumerate() if t.name.startswith("stub-")]
    assert leaked == []


# -- plain completions --------------------------------------------------------


def test_plain_completion_returns_payload() -> None:
    with StubServer(lambda request: Reply.ok({"answer": "Paris", "ok": True})) as server:
        completion = chat(make_client(server))

    assert json.loads(completion.choices[0].message.content or "") == {
        "answer": "Paris",
        "ok": True,
    }
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == "gpt-test"  # echoed from the request
    assert completion.usage is not None and completion.usage.total_tokens > 0

    (recorded,) = server.requests
    assert recorded.path == "/v1/chat/completions"
    assert recorded.body["messages"] == MESSAGES
    assert recorded.headers["authorization"] == "Bearer sk-test"


def test_default_responder_answers_empty_object_and_models_are_listed() -> None:
    with StubServer() as server:
        client = make_client(server)
        assert chat(client).choices[0].message.content == "{}"
        assert [model.id for model in client.models.list()] == [STUB_MODEL_ID]
    assert len(server.requests) == 1  # only chat requests are recorded


def test_explicit_usage_and_string_payload() -> None:
    with StubServer(script=[Reply.ok("plain text", usage=(11, 7))]) as server:
        completion = chat(make_client(server))
    assert completion.choices[0].message.content == "plain text"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.total_tokens) == (11, 18)


def test_think_prefix() -> None:
    with StubServer(script=[Reply.ok({"a": 1}, think="let me think")]) as server:
        content = chat(make_client(server)).choices[0].message.content
    assert content == '<think>let me think</think>\n{"a": 1}'


def test_tools_request_gets_tool_calls() -> None:
    tools: list[Any] = [
        {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}},
        {"type": "function", "function": {"name": "answer", "parameters": {"type": "object"}}},
    ]
    forced: Any = {"type": "function", "function": {"name": "answer"}}
    with StubServer(lambda request: Reply.ok({"city": "Paris"})) as server:
        client = make_client(server)
        first_tool = chat(client, tools=tools).choices[0].message
        forced_tool = chat(client, tools=tools, tool_choice=forced).choices[0].message

    assert first_tool.content is None
    assert first_tool.tool_calls is not None and forced_tool.tool_calls is not None
    assert first_tool.tool_calls[0].function.name == "lookup"  # no tool_choice: first tool
    assert forced_tool.tool_calls[0].function.name == "answer"  # forced tool_choice
    assert json.loads(forced_tool.tool_calls[0].function.arguments) == {"city": "Paris"}


def test_raw_content_ignores_tools() -> None:
    tools: list[Any] = [{"type": "function", "function": {"name": "f", "parameters": {}}}]
    with StubServer(script=[Reply.raw_content('{"cut', finish_reason="length")]) as server:
        choice = chat(make_client(server), tools=tools).choices[0]
    assert (choice.message.content, choice.message.tool_calls) == ('{"cut', None)
    assert choice.finish_reason == "length"


def test_empty_choices() -> None:
    with StubServer(script=[Reply.empty_choices()]) as server:
        assert chat(make_client(server)).choices == []


def test_script_runs_first_then_falls_back_to_responder() -> None:
    script = [Reply.ok("one"), Reply.ok("two")]
    with StubServer(lambda request: Reply.ok("fallback"), script=script) as server:
        client = make_client(server)
        contents = [chat(client).choices[0].message.content for _ in range(3)]
    assert contents == ["one", "two", "fallback"]


def test_responder_exception_becomes_500() -> None:
    def broken(request: dict[str, Any]) -> Reply:
        raise KeyError("boom")

    with StubServer(broken) as server, pytest.raises(openai.InternalServerError):
        chat(make_client(server))
    assert [type(err) for err in server.errors] == [KeyError]


def test_streaming_is_rejected_explicitly() -> None:
    with StubServer() as server, pytest.raises(openai.BadRequestError, match="stream"):
        chat(make_client(server), stream=True)


# -- HTTP errors, connection errors, timeouts ---------------------------------


def test_status_429_raises_rate_limit_error_with_retry_after() -> None:
    retry_after = Reply.status(429, headers={"Retry-After": "1"})
    with StubServer(script=[retry_after]) as server, pytest.raises(openai.RateLimitError) as excinfo:
        chat(make_client(server))
    err = excinfo.value
    assert err.status_code == 429
    assert err.response.headers["retry-after"] == "1"
    assert err.code == "rate_limit_exceeded"  # from the OpenAI-style error body
    assert err.type == "rate_limit_error"


@pytest.mark.parametrize("code", [500, 503])
def test_server_errors_raise_internal_server_error(code: int) -> None:
    with (
        StubServer(script=[Reply.status(code)]) as server,
        pytest.raises(openai.InternalServerError) as excinfo,
    ):
        chat(make_client(server))
    assert excinfo.value.status_code == code


def test_custom_error_body() -> None:
    body = {"error": {"message": "bad model", "type": "invalid_request_error", "code": "x"}}
    with (
        StubServer(script=[Reply.status(400, body=body)]) as server,
        pytest.raises(openai.BadRequestError) as excinfo,
    ):
        chat(make_client(server))
    assert "bad model" in excinfo.value.message
    assert excinfo.value.code == "x"


def test_drop_raises_api_connection_error() -> None:
    with StubServer(script=[Reply.drop()]) as server, pytest.raises(openai.APIConnectionError) as excinfo:
        chat(make_client(server))
    assert not isinstance(excinfo.value, openai.APITimeoutError)


def test_hang_raises_api_timeout_error() -> None:
    with StubServer(script=[Reply.hang(5)]) as server:
        started = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            chat(make_client(server, timeout=0.5))
        assert time.monotonic() - started < 2
    # APITimeoutError is a subclass of APIConnectionError in openai 3.x too.
    assert issubclass(openai.APITimeoutError, openai.APIConnectionError)


def test_openai_retries_are_visible_to_the_server() -> None:
    # ``retry-after-ms`` keeps the client's back-off short (openai honours it).
    fast_retry = {"retry-after-ms": "10"}
    script = [Reply.status(503, headers=fast_retry), Reply.ok({"answer": 1})]
    with StubServer(script=script) as server:
        completion = chat(make_client(server, max_retries=1))
    assert completion.choices[0].message.content == '{"answer": 1}'
    assert [r.headers["x-stainless-retry-count"] for r in server.requests] == ["0", "1"]


def test_close_is_quick_even_while_a_handler_sleeps() -> None:
    errors: list[BaseException] = []
    with StubServer(script=[Reply.hang(30)]) as server:
        client = make_client(server, timeout=10)

        def call() -> None:
            try:
                chat(client)
            except openai.APIError as exc:
                errors.append(exc)

        caller = threading.Thread(target=call)
        caller.start()
        while server.in_flight == 0:
            time.sleep(0.01)
        started = time.monotonic()
    assert time.monotonic() - started < 1
    caller.join(5)
    assert [type(e) for e in errors] == [openai.APIConnectionError]


# -- concurrency ----------------------------------------------------------------


def test_latency_and_concurrency_are_measured() -> None:
    with StubServer(latency=0.3) as server:
        client = make_client(server)
        chat(client)  # warm-up: the first call pays openai's lazy imports
        start_together = threading.Barrier(4)

        def call() -> None:
            start_together.wait()
            chat(client)

        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert server.max_in_flight == 4
        assert server.in_flight == 0
        assert len(server.requests) == 5


# -- fault injection ------------------------------------------------------------


def run_faulty_session(seed: int) -> tuple[list[str], list[str]]:
    """20 sequential calls against a 50% fault plan; returns (faults, outcomes)."""
    plan = FaultPlan(rate=0.5, seed=seed, hang_seconds=0.5)
    outcomes: list[str] = []
    with StubServer(faults=plan) as server:
        client = make_client(server, timeout=0.2)
        for _ in range(20):
            try:
                choices = chat(client).choices
                outcomes.append(choices[0].finish_reason if choices else "no choices")
            except openai.APIError as exc:
                outcomes.append(type(exc).__name__)
    return server.faults_injected, outcomes


def test_fault_plan_is_deterministic_for_a_seed() -> None:
    faults_a, outcomes_a = run_faulty_session(seed=1234)
    faults_b, outcomes_b = run_faulty_session(seed=1234)
    assert faults_a == faults_b
    assert outcomes_a == outcomes_b
    assert 0 < len(faults_a) < 20

    def draws(seed: int) -> list[str | None]:
        plan = FaultPlan(rate=0.3, seed=seed)
        return [plan.draw() for _ in range(50)]

    assert draws(7) == draws(7)
    assert draws(7) != draws(8)


FAULT_OUTCOMES: dict[str, str] = {
    "429": "RateLimitError",
    "429_retry_after": "RateLimitError",
    "500": "InternalServerError",
    "503": "InternalServerError",
    "timeout": "APITimeoutError",
    "drop": "APIConnectionError",
    "invalid_json": "stop: not JSON",
    "truncated_json": "stop: not JSON",
    "schema_invalid": 'stop: {"unexpected": 1}',
    "empty_choices": "no choices",
    "length": "length: not JSON",
    "content_filter": "content_filter: ''",
}


@pytest.mark.parametrize("kind", DEFAULT_FAULT_KINDS)
def test_each_fault_kind(kind: str) -> None:
    plan = FaultPlan(rate=1.0, seed=0, kinds=[kind], hang_seconds=1.0)
    with StubServer(faults=plan) as server:
        try:
            choices = chat(make_client(server, timeout=0.3)).choices
        except openai.APIError as exc:
            outcome = type(exc).__name__
        else:
            if not choices:
                outcome = "no choices"
            else:
                content = choices[0].message.content or ""
                try:
                    shown = json.dumps(json.loads(content)) if content else "''"
                except ValueError:
                    shown = "not JSON"
                outcome = f"{choices[0].finish_reason}: {shown}"
    assert outcome == FAULT_OUTCOMES[kind]
    assert server.faults_injected == [kind]


def test_fault_plan_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="unknown"):
        FaultPlan(rate=0.1, seed=0, kinds=["404"])


# -- instructor round trips -------------------------------------------------------


@pytest.mark.parametrize("mode", [instructor.Mode.JSON, instructor.Mode.TOOLS, instructor.Mode.MD_JSON])
def test_instructor_round_trip(mode: instructor.Mode) -> None:
    with StubServer(lambda request: Reply.ok(PARIS)) as server:
        structured = instructor.from_openai(make_client(server), mode=mode)
        city = structured.chat.completions.create(
            model="gpt-test", messages=MESSAGES, response_model=City, max_retries=0
        )
    # instructor returns a dynamic subclass carrying ``_raw_response``, so compare dumps, not ``==``.
    assert isinstance(city, City)
    assert city.model_dump() == PARIS

    # What instructor actually sends in each mode:
    body = server.requests[0].body
    if mode is instructor.Mode.JSON:
        assert body["response_format"] == {"type": "json_object"}
        assert body["messages"][0]["role"] == "system"  # schema prompt prepended
    elif mode is instructor.Mode.TOOLS:
        assert body["tool_choice"] == {"type": "function", "function": {"name": "City"}}
        assert [tool["function"]["name"] for tool in body["tools"]] == ["City"]
    else:
        assert "response_format" not in body and "tools" not in body
        assert "```json" in body["messages"][-1]["content"]


def test_instructor_md_json_sees_through_think_but_json_mode_does_not() -> None:
    reply = Reply.ok(PARIS, think='draft: {"name": "Lyon"}')
    with StubServer(lambda request: reply) as server:
        client = make_client(server)
        md_json = instructor.from_openai(client, mode=instructor.Mode.MD_JSON)
        city = md_json.chat.completions.create(
            model="gpt-test", messages=MESSAGES, response_model=City, max_retries=0
        )
        assert city.name == "Paris"  # MD_JSON takes the LAST JSON object in the text

        json_mode = instructor.from_openai(client, mode=instructor.Mode.JSON)
        with pytest.raises(InstructorRetryException):  # raw model_validate_json on content
            json_mode.chat.completions.create(
                model="gpt-test", messages=MESSAGES, response_model=City, max_retries=0
            )


def test_instructor_reasks_after_schema_invalid_reply() -> None:
    script = [Reply.ok({"unexpected": 1}), Reply.ok(PARIS)]
    with StubServer(script=script) as server:
        structured = instructor.from_openai(make_client(server), mode=instructor.Mode.TOOLS)
        city = structured.chat.completions.create(
            model="gpt-test", messages=MESSAGES, response_model=City, max_retries=1
        )
    assert city.name == "Paris"
    retry_messages = server.requests[1].body["messages"]
    assert [m["role"] for m in retry_messages] == ["user", "assistant", "tool"]
    assert "Validation Error" in retry_messages[-1]["content"]


def test_instructor_wraps_openai_errors_but_not_length() -> None:
    script = [Reply.status(429), Reply.ok(PARIS, finish_reason="length")]
    with StubServer(script=script) as server:
        structured = instructor.from_openai(make_client(server), mode=instructor.Mode.TOOLS)
        with pytest.raises(InstructorRetryException) as excinfo:
            structured.chat.completions.create(
                model="gpt-test", messages=MESSAGES, response_model=City, max_retries=3
            )
        assert isinstance(excinfo.value.__cause__, openai.RateLimitError)
        assert len(server.requests) == 1  # API errors are not retried by instructor

        with pytest.raises(IncompleteOutputException):
            structured.chat.completions.create(
                model="gpt-test", messages=MESSAGES, response_model=City, max_retries=3
            )
