"""Bad input everywhere: the CLI, the Gradio API, and random text. Every case ends in a clear one-line error
or a sensible answer, never a traceback, and nothing stored is lost."""
from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from qa.types import Answer
from qa.errors import QAError
from qa.router import ROUTES, Guards

from support import CLI_TIMEOUT, Run, ask_api, assert_clear_error, assert_ok, cli_env, run_qa, start_app, stop_app


# ================================================================ bad input: CLI

def _route(expected: str):
    def check(run: Run):
        assert_ok(run)
        assert json.loads(run.stdout)["route"] == expected, run.stdout[:500]
    return check


def _answers(run: Run):
    assert_ok(run)
    data = json.loads(run.stdout)
    assert data["route"] in ROUTES and data["answer"].strip()


def _error(*needles):
    return lambda run: assert_clear_error(run, *needles)


def _empty_search(run: Run):
    assert_ok(run)
    assert json.loads(run.stdout) == []


def _refusal(*needles):
    def check(run: Run):
        assert_ok(run)
        data = json.loads(run.stdout)
        assert data["mode"] == "refusal" and not data["citations"], data
        for needle in needles:
            assert needle in data["answer"], data["answer"]
    return check


def _refused_or_answered(run: Run):
    if run.code == 2:
        assert_clear_error(run, "too long")
    else:
        assert_ok(run)
        assert isinstance(json.loads(run.stdout), list)


def _first_title(prefix: str):
    def check(run: Run):
        assert_ok(run)
        assert json.loads(run.stdout)[0]["title"].startswith(prefix), run.stdout[:300]
    return check


ASK = ["ask", "--llm", "none", "--json"]
CLI_CASES = {
    "100k-char question": (["ask", "--llm", "none", "x" * 100_000], _error("too long", "100,000")),
    "control characters": (ASK + ["What is\x01\x02 FRePo?\x1b[31m\x7f"], _route("paper")),
    "only control characters": (["ask", "\x01\x02\x1b\x7f"], _error("empty")),
    "emoji": (ASK + ["What is FRePo? 🤖🔥👍🏽"], _route("paper")),
    "right-to-left Arabic": (ASK + ["ما هو FRePo؟"], _route("paper")),
    "only punctuation": (ASK + ["?!.,;:…—«»"], _route("not_answerable")),
    "HTML and script": (ASK + ['<script>alert(1)</script><img src=x onerror=alert(2)> What is FRePo?'], _answers),
    "--k 0": (ASK + ["What is FRePo?", "--k", "0"], _error("--k", "between 1 and 100")),
    "--k negative": (ASK + ["What is FRePo?", "--k", "-3"], _error("--k")),
    "--k huge": (ASK + ["What is FRePo?", "--k", "1000000"], _error("between 1 and 100")),
    "--k enormous": (ASK + ["What is FRePo?", "--k", "9" * 40], _error("between 1 and 100")),
    "--k not a number": (ASK + ["What is FRePo?", "--k", "five"], _error("not a number")),
    "search --k huge": (["search", "world models", "--k", "1000000"], _error("between 1 and 100")),
    "inverted years": (ASK + ["What is FRePo?", "--year-from", "2024", "--year-to", "2020"],
                       _error("year range is empty")),
    "five-digit year": (ASK + ["What is FRePo?", "--year-from", "99999"], _error("not a year")),
    "negative year": (ASK + ["What is FRePo?", "--year-to=-5"], _error("not a year")),
    "years after the collection": (ASK + ["What has been done on world models?", "--year-from", "2090"],
                                   _refusal("since 2090")),
    "search years after the collection": (["search", "world models", "--json", "--year-from", "2090"],
                                          _empty_search),
    "unknown category": (ASK + ["What is FRePo?", "--category", "ZZZ"], _refusal("category ZZZ")),
    "unknown author": (ASK + ["What is FRePo?", "--author", "Nobody Atall"], _refusal("Nobody Atall")),
    "search unknown category": (["search", "world models", "--json", "--category", "ZZZ"], _empty_search),
    "search unknown author": (["search", "world models", "--json", "--author", "Nobody Atall"], _empty_search),
    "search 100k characters": (["search", "--json", "x" * 100_000], _refused_or_answered),
    "search control characters": (["search", "--json", "\x01lookahead\x1b optimizer\x7f"],
                                  _first_title("Lookahead Optimizer")),
}


@pytest.mark.slow
def test_cli_bad_input_gives_a_clear_line_or_a_sensible_answer(built_env):
    def one(item):
        name, (args, check) = item
        try:
            run = run_qa(args, built_env)
            check(run)
            assert run.seconds < CLI_TIMEOUT
            return None
        except (AssertionError, subprocess.TimeoutExpired, ValueError) as exc:
            return f"{name}: {type(exc).__name__}: {str(exc)[:600]}"

    with ThreadPoolExecutor(max_workers=4) as pool:
        problems = [p for p in pool.map(one, CLI_CASES.items()) if p]
    assert not problems, "\n".join(problems)


def test_cli_history_files_that_are_not_a_list_of_messages(built_env, tmp_path):
    contents = {
        "not JSON": b"{not json",
        "empty": b"",
        "invalid UTF-8": b"\xff\xfe\x00[{]",
        "an object": b'{"role": "user", "content": "hi"}',
        "a list of strings": b'["What is FRePo?"]',
        "an unknown role": b'[{"role": "robot", "content": "hi"}]',
        "a number": b"42",
    }
    runs = {}
    for name, content in contents.items():
        path = tmp_path / f"{name.replace(' ', '-')}.json"
        path.write_bytes(content)
        runs[name] = run_qa(["ask", "Who wrote it?", "--llm", "none", "--history", str(path)], built_env)
    for name, run in runs.items():
        assert_clear_error(run, "history")
    good = tmp_path / "good.json"
    good.write_text(json.dumps([{"role": "user", "content": "What is the Lookahead optimizer? <b>🤖</b>"},
                                {"role": "assistant", "content": "An optimizer [1]."}]))
    run = run_qa(["ask", "Who wrote it?", "--llm", "none", "--json", "--history", str(good)], built_env)
    assert_ok(run)
    assert "Michael R. Zhang" in json.loads(run.stdout)["answer"]


def test_cli_invalid_utf8_source_is_one_clear_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"title": "Caf\xe9 paper", "abstract": "About caf\xe9s.", "year": 2020}\n')
    run = run_qa(["ingest", "--source", str(bad)], cli_env(QA_DATA_DIR=tmp_path / "data"))
    assert_clear_error(run, "bad.jsonl", "not valid UTF-8", "line 1")
    run = run_qa(["ingest", "--source", str(bad), "--skip-invalid"], cli_env(QA_DATA_DIR=tmp_path / "data"))
    assert_clear_error(run, "not valid UTF-8")  # a file-level problem: nothing to skip to


def test_cli_undecodable_question_bytes(built_env):
    """Bytes that are not UTF-8 in argv reach Python as lone surrogates; the tokenizer rejects them."""
    for args in (["ask", "--llm", "none", b"What is \xff\xfe FRePo?"],
                 ["ask", "--llm", "none", "--json", b"What is \xff\xfe FRePo?"]):
        run = run_qa(args, built_env)
        assert "internal error" not in run.stderr and "Traceback" not in run.stderr, run.stderr
        assert run.code in (0, 2), run.stderr
        if run.code == 2:
            assert_clear_error(run)


def test_cli_search_with_a_100k_character_query_of_words_is_quick(built_env):
    try:
        # a bound, not a speed: a cold process is ~3 s and more while another test worker runs, and a query that
        # took time quadratic in its length would take minutes
        run = run_qa(["search", "--json", "lookahed optimiser " * 5_300], built_env, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("a 100,000-character query kept `qa search` busy for more than 30 s")
    assert run.code == 0 or (run.code == 2 and "too long" in run.stderr)


# ================================================================ bad input: the Gradio API

@pytest.fixture(scope="module")
def app(offline, built_settings):
    from gradio_client import Client

    demo, url = start_app(offline, built_settings)
    yield Client(url, verbose=False)
    stop_app(demo)


def _api_error(client, *args, needle: str, **kw) -> str:
    with pytest.raises(Exception) as caught:
        ask_api(client, *args, **kw)
    message = str(caught.value)
    assert needle.lower() in message.lower(), message
    assert "Traceback" not in message and len(message.splitlines()) <= 2, message
    return message


@pytest.mark.slow
def test_api_bad_input(app):
    _api_error(app, "x" * 100_000, needle="too long")
    _api_error(app, "\x00\x01\x02", needle="empty")
    for question, route in [("What is\x00 FRePo?\x01\x1b[0m", "paper"), ("What is FRePo? 🤖🔥", "paper"),
                            ("ما هو FRePo؟", "paper"), ("\u202eמהו FRePo?", "paper"),
                            ("?!.,;:…—", "not_answerable"), ("FRePo とは何ですか?", "paper"),
                            ("Что такое FRePo?", "paper"), ("¿Qué es FRePo?", "paper"), ("FRePo是什么？", "paper"),
                            ("**What** is `FRePo`? [x](javascript:alert(1))", "paper")]:
        result = ask_api(app, question)
        assert result["route"] == route and result["answer"].strip(), (question, result["route"])
    result = ask_api(app, "<script>alert(1)</script><img src=x onerror=alert(2)> What is FRePo?")
    assert result["route"] in ROUTES and "<script>" not in result["answer"]
    for k in (0, -1, 1_000_000):
        _api_error(app, "What is FRePo?", k=k, needle="k must be between 1 and 100")
    _api_error(app, "What is FRePo?", year_from=2024, year_to=2020, needle="year range is empty")
    _api_error(app, "What is FRePo?", history="{not json", needle="not valid JSON")
    _api_error(app, "What is FRePo?", history='{"role": "user"}', needle="must be a list")
    _api_error(app, "What is FRePo?", history='["hi", 2]', needle="must be a list")
    result = ask_api(app, "What is FRePo?", category="ZZZ")
    assert result["mode"] == "refusal" and "category ZZZ" in result["answer"] and not result["citations"]
    result = ask_api(app, "How many papers were published in 2023?", author="Nobody Atall")
    assert result["route"] == "metadata" and result["answer"].startswith("0 papers")
    result = ask_api(app, "What has been done on world models?", year_from=2090)
    assert result["mode"] == "refusal" and not result["citations"]


# ================================================================ property-based: random text

QUESTIONS = st.one_of(
    st.text(max_size=300),  # any unicode (no lone surrogates), control characters and NUL included
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x40), max_size=120),  # controls + punctuation
    st.builds(lambda a, b: f"{a} What is FRePo? {b}", st.text(max_size=60), st.text(max_size=60)),
    st.builds(lambda a, n: a * n, st.sampled_from(["why ", "🤖", "\x00", "a"]), st.integers(1900, 2100)),
)


@pytest.mark.slow
@hsettings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=QUESTIONS)
def test_random_text_gets_a_route_or_a_clear_error(offline, question):
    assert isinstance(offline.router(), Guards)
    try:
        route = offline.read(question).route  # the guards, then the intent model over the evidence
        assert route.label in ROUTES and 0.0 <= route.confidence <= 1.0
    except QAError:
        pass
    try:
        answer = offline.ask(question)
    except QAError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(answer, Answer) and answer.route in ROUTES and answer.answer.strip()
    assert answer.mode in ("extractive", "structured", "refusal")


def test_markdown_in_a_question_is_read_as_its_words():
    """A chat box's Markdown ("**What** is `FRePo`? [x](javascript:…)") is the words it marks, not the markup or a
    link's target; "2**3" and "a__b" are not emphasis."""
    from qa.assistant import clean_question

    assert clean_question("**What** is `FRePo`? [x](javascript:alert(1))", 2000) == "What is FRePo? x"
    assert clean_question("See [the paper](https://x.org/a_(b)) on ``ToolEmu``", 2000) == "See the paper on ToolEmu"
    assert clean_question("2**3 and a__b", 2000) == "2**3 and a__b"
