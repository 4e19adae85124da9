"""The web UI against a real server and a real browser (Debian's Chromium via Playwright).

One index of the bundled listing and one server per module (plus a small hostile
corpus for the escaping checks, and the same app behind a login); every page
records its requests, which must all stay on this machine.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import free_port

from qa.types import Answer, AnswerEvent, Citation, Source
from qa.errors import QAError, StoreError
from qa.suggest import suggest_follow_ups
from ui import render
from ui.app import UNFILTERED_NOTE, make_filters, parse_auth, parse_history
from ui.app import stop as stop_app

ROOT = Path(__file__).resolve().parents[1]
LISTING = ROOT / "data" / "jimmy-ba-profile.txt"
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
JSON_KEYS = {"question", "route", "mode", "model", "answer", "citations", "sources", "warnings", "timings_ms"}
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=2</script>"
AUTH = ("reader", "s3cret pass")  # a space in the password: parse_auth must keep it
ANSWER_TIMEOUT = 60_000


# ---------------------------------------------------------------- rendering, no server

def test_answer_text_is_escaped_and_citations_link_to_cards():
    html = render.link_citations('FRePo <b>wins</b> [1] and "x" [2, 3] [9]', turn=2, known=[1, 2])
    assert "<b>" not in html and "&lt;b&gt;" in html and "&quot;x&quot;" in html
    assert '<a class="qa-cite" href="#src-2-1"' in html
    assert '[<a class="qa-cite" href="#src-2-2" title="source 2">2</a>, 3]' in html
    assert "[9]" in html  # not a citation of this answer: left as text


def test_quote_is_highlighted_in_the_escaped_abstract():
    abstract = "We study <tags>. Dataset distillation   can be formulated as bi-level. The end."
    html = render.highlight(abstract, "dataset distillation can be formulated as bi-level.")
    assert "<mark>Dataset distillation   can be formulated as bi-level.</mark>" in html
    assert "&lt;tags&gt;" in html
    missing = render.highlight(abstract, "<not there>")
    assert "qa-quote" in missing and "&lt;not there&gt;" in missing and "<mark>" not in missing


def test_sources_show_cited_cards_and_collapse_the_others():
    answer = Answer(question="q", route="paper", mode="extractive", model=None, answer="a [1]",
                    citations=[Citation(1, "p1", "T <1>", 2022, ["A"], "Second.")],
                    sources=[Source("p1", "T <1>", 2022, 0.9), Source("p2", "Other", 2020, 0.5)])
    html = render.sources_html(answer, {}, turn=3, question="q")
    assert 'id="src-3-1"' in html and "T &lt;1&gt;" in html
    assert '<details class="qa-more"><summary>1 more retrieved, not cited</summary>' in html and "Other" in html


def test_mode_hint_only_when_extractive():
    assert render.LLM_HINT in render.mode_html("extractive — no LLM configured")
    assert render.LLM_HINT not in render.mode_html("LLM: gpt-4o-mini")


def test_auth_history_and_filter_parsing(tmp_path):
    assert parse_auth("ann:pw:with:colons") == [("ann", "pw:with:colons")]
    users = tmp_path / "users"
    users.write_text("# readers\nann:one\n\nbob:two words\n")
    assert parse_auth(str(users)) == [("ann", "one"), ("bob", "two words")]
    assert parse_auth("") is None
    for bad in ("no-colon-and-no-file", ":pw", "user:"):
        with pytest.raises(QAError):
            parse_auth(bad)
    assert parse_history('[{"role": "user", "content": "hi"}]') == [{"role": "user", "content": "hi"}]
    with pytest.raises(QAError):
        parse_history('{"role": "user"}')
    assert make_filters("2023", "any", "all", "  ").describe() == "since 2023"
    assert make_filters(None, 2020, "LG", "Hinton", True).to_dict() == {
        "year_to": 2020, "category": "LG", "author": "Hinton", "has_code": True}


# ---------------------------------------------------------------- servers

def _free_port() -> int:
    return free_port()


def _start(assistant, settings, auth=None):
    from ui.app import start

    return start(assistant, settings, "127.0.0.1", _free_port(), auth=auth)


@pytest.fixture(scope="module")
def index_settings(built_settings):
    return built_settings  # the session's index of the bundled listing (conftest)


@pytest.fixture(scope="module")
def assistant(index_settings):
    from qa.assistant import Assistant

    return Assistant(index_settings)


@pytest.fixture(scope="module")
def server(assistant, index_settings):
    demo, url = _start(assistant, index_settings)
    yield url
    stop_app(demo)


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory):
    """A corpus whose title, abstract and profile carry script payloads."""
    from qa.assistant import Assistant
    from qa.ingest import ingest
    from qa.settings import Settings

    folder = tmp_path_factory.mktemp("xss")
    records = [
        {"profile": {"name": f"Eve {XSS_IMG}", "h_index": 1, "citations": 2, "papers_claimed": 3}},
        {"title": f"Zebrafish fin regeneration {XSS_IMG}", "authors": ["Eve Hacker", "Bob Tables"], "year": 2023,
         "date": "2023-05-02", "category": "LG", "has_code": True, "affiliations": [], "authors_truncated": False,
         "abstract": f"Zebrafish regenerate their fins after amputation. {XSS_SCRIPT} We map the regeneration "
                     f"blastema cells {XSS_IMG} over seven days."},
        {"title": "Graph neural networks for molecules", "authors": ["Ann Chem"], "year": 2021,
         "date": "2021-01-04", "category": "LG", "has_code": False, "affiliations": [], "authors_truncated": False,
         "abstract": "We predict molecular properties with message passing graph neural networks."},
    ]
    source = folder / "papers.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    settings = Settings.from_env(data_dir=folder / "qa-data", sources=(source,))
    ingest(settings)
    demo, url = _start(Assistant(settings), settings)
    yield url
    stop_app(demo)


@pytest.fixture(scope="module")
def auth_server(assistant, index_settings):
    """The same app with QA_AUTH set, read through Settings like `qa serve` does."""
    from qa.settings import Settings

    previous = os.environ.get("QA_AUTH")
    os.environ["QA_AUTH"] = ":".join(AUTH)
    try:
        settings = Settings.from_env(data_dir=index_settings.data_dir, sources=index_settings.sources)
    finally:
        os.environ.pop("QA_AUTH") if previous is None else os.environ.__setitem__("QA_AUTH", previous)
    demo, url = _start(assistant, settings)
    yield url
    stop_app(demo)


STREAM_SEEN = threading.Event()  # set by the test once the page shows the streaming answer


class _OddAssistant:
    """Takes the paths the real one rarely does: no index, a crash, a slow stream that resets midway."""

    mode_label = "LLM: fake-model"

    @property
    def papers(self):
        raise StoreError("no index yet: run `qa ingest`")

    profile = papers

    def ask_stream(self, question, history=None, k=None, filters=None):
        if question == "crash":
            raise RuntimeError("internal detail that must not reach the page")
        if question == "store":
            raise StoreError("no index yet: run `qa ingest`")
        answer = Answer(question=question, route="paper", mode="llm", model="fake-model", answer="")
        yield AnswerEvent("route", answer=answer)
        answer.sources = [Source("p1", "Slow <paper>", 2024, 0.9)]
        yield AnswerEvent("sources", answer=answer)
        yield AnswerEvent("delta", text="discarded ")
        yield AnswerEvent("reset")
        yield AnswerEvent("delta", text="Streaming ")
        # the rest waits until the page has shown the answer while it streams: no time window to catch it in
        STREAM_SEEN.wait(timeout=120)
        for word in ("works ", "[1]."):
            yield AnswerEvent("delta", text=word)
        answer.answer = "Streaming works [1]."
        answer.citations = [Citation(1, "p1", "Slow <paper>", 2024, ["Ann"], "the <quote>")]
        answer.warnings = ["citations not supported by the cited abstract: [1]"]
        yield AnswerEvent("done", answer=answer)


@pytest.fixture(scope="module")
def odd_server(index_settings):
    demo, url = _start(_OddAssistant(), index_settings)
    yield url
    stop_app(demo)


# ---------------------------------------------------------------- browser

@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


DESKTOP, PHONE = (1280, 900), (390, 844)


def _recorded_page(browser, size):
    """A fresh page that records every request; all of them must stay on this machine."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]},
                                  is_mobile=size == PHONE, has_touch=size == PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(20_000)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.requests = requests
    yield page
    context.close()
    outside = [u for u in requests if urllib.parse.urlsplit(u).scheme not in ("data", "blob", "about")
               and urllib.parse.urlsplit(u).hostname not in ("127.0.0.1", "localhost")]
    assert requests and not outside, f"the page reached beyond this machine: {outside}"


@pytest.fixture
def page(browser):
    yield from _recorded_page(browser, (1400, 1000))


@pytest.fixture(params=[DESKTOP, PHONE], ids=["1280x900", "390x844"])
def sized_page(browser, request):
    yield from _recorded_page(browser, request.param)


@pytest.fixture
def phone(browser):
    yield from _recorded_page(browser, PHONE)


def _open(page, url):
    page.goto(url, wait_until="load")  # not networkidle: Gradio's heartbeat never lets it fire
    page.wait_for_selector("#qa-question textarea")


def _ask(page, question: str):
    """Type a question, send it, wait for its final bubble; returns that bubble."""
    before = page.locator("#qa-chat .qa-final").count()
    page.fill("#qa-question textarea", question)
    page.press("#qa-question textarea", "Enter")
    return _answer_after(page, before)


def _answer_after(page, before: int):
    """Wait for the final bubble after `before` finished ones, and for that answer's own sources panel."""
    page.wait_for_function("n => document.querySelectorAll('#qa-chat .qa-final').length > n", arg=before,
                           timeout=ANSWER_TIMEOUT)
    bubble = page.locator("#qa-chat .qa-final").last
    turn = re.search(r"qa-turn-(\d+)", bubble.get_attribute("class") or "")
    if turn:  # the chat and the sources panel are separate components, updated one after the other
        page.wait_for_selector(f'#qa-sources section.qa-sources[data-turn="{turn.group(1)}"][data-state="final"]',
                               state="attached", timeout=ANSWER_TIMEOUT)
    return bubble


def _open_paper(page, search: str):
    """In the Collection tab, filter the table down to one paper and open it in the paper panel."""
    page.fill("#qa-table input.search-input", search)
    page.wait_for_function("() => document.querySelector('#qa-table [role=grid]')"
                           ".getAttribute('aria-rowcount') === '2'")
    page.locator("#qa-table .virtual-row [role=gridcell]").first.click()
    page.wait_for_selector("#qa-paper .qa-abstract")


def _open_filters(page):
    if not page.locator("#qa-year-from").is_visible():
        page.click("#qa-filter-box button.label-wrap, #qa-filter-box > button")
        page.wait_for_selector("#qa-year-from", state="visible")


def _pick(page, dropdown_id: str, option: str):
    _open_filters(page)
    page.click(f"#{dropdown_id} input")
    page.get_by_role("option", name=option, exact=True).click()


def _screenshot(page, name: str, full_page: bool = True):
    ARTIFACTS.mkdir(exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=full_page)
    shutil.copyfile(path, SCREENSHOTS / name)


@pytest.mark.browser
def test_chat_streams_a_cited_answer_with_its_sources(page, server):
    _open(page, server)
    assert "extractive" in page.inner_text(".qa-modeline") and render.LLM_HINT in page.inner_text(".qa-modeline")
    bubble = _ask(page, "What is FRePo?")
    assert "one paper" in bubble.inner_text()
    cite = bubble.locator("a.qa-cite").first
    assert cite.inner_text() == "1" and "[1]" in bubble.inner_text()
    card = page.locator("#qa-sources #src-1-1")
    assert "Dataset Distillation using Neural Feature Regression" in card.inner_text()
    assert card.locator("mark").count() == 1 and "Zhou" in card.inner_text()  # quote highlighted, authors shown
    assert "one paper" in page.inner_text("#qa-status")

    cite.click()
    page.wait_for_selector("#src-1-1.qa-flash")  # the card it points at is marked, and on screen
    page.wait_for_function("""() => { const r = document.querySelector('#src-1-1').getBoundingClientRect();
                                      return r.top >= 0 && r.top < window.innerHeight; }""")


@pytest.mark.browser
def test_year_filter_restricts_the_cited_papers(page, server):
    _open(page, server)
    _pick(page, "qa-year-from", "2023")
    bubble = _ask(page, "What has been done on model-based reinforcement learning?")
    assert "several papers" in bubble.inner_text() and "since 2023" in bubble.inner_text()
    years = page.locator("#qa-sources .qa-card .qa-byline").all_inner_texts()
    assert years, "no cited paper"
    assert all(int(text.split("·")[0].strip()) >= 2023 for text in years), years


@pytest.mark.browser
def test_follow_up_uses_the_conversation_and_new_conversation_clears_it(page, server):
    _open(page, server)
    _ask(page, "What is the Lookahead optimizer?")
    bubble = _ask(page, "Who wrote it?")
    assert "Michael R. Zhang" in bubble.inner_text()
    # the second answer's citation points at its own card; the first answer's are kept, collapsed
    assert page.locator("#qa-sources #src-2-1").count() == 1
    assert page.locator("#qa-sources details.qa-earlier #src-1-1").count() == 1
    page.click("#qa-new")
    page.wait_for_function("() => document.querySelectorAll('#qa-chat .qa-msg').length === 0")
    assert "Michael R. Zhang" not in page.inner_text("#qa-sources")


@pytest.mark.browser
def test_a_question_sent_while_an_answer_is_streaming_is_answered_after_it(page, server):
    _open(page, server)
    page.fill("#qa-question textarea", "What is the Lookahead optimizer?")
    page.press("#qa-question textarea", "Enter")
    # the answer's first update empties the box; typing before it would be wiped
    page.wait_for_function("() => document.querySelector('#qa-question textarea').value === ''")
    page.fill("#qa-question textarea", "Who wrote it?")
    page.press("#qa-question textarea", "Enter")
    bubble = _answer_after(page, 1)
    assert "Michael R. Zhang" in bubble.inner_text()
    assert page.locator("#qa-chat .qa-final").count() == 2


@pytest.mark.browser
def test_enter_in_an_empty_box_sends_nothing(page, server):
    """An empty question is an error message when the Ask button sends it; an Enter in the empty box (a second Enter
    after a question, which would queue behind its answer) sends nothing."""
    _open(page, server)
    page.press("#qa-question textarea", "Enter")
    bubble = _ask(page, "What is BatchEnsemble?")
    assert "BatchEnsemble" in bubble.inner_text()
    assert page.locator("#qa-chat .qa-error").count() == 0 and page.locator("#qa-chat .qa-final").count() == 1


@pytest.mark.browser
def test_a_standalone_question_after_a_one_paper_answer_is_answered_on_its_own(page, server):
    _open(page, server)
    _ask(page, "What is ToolEmu used for?")
    bubble = _ask(page, "How many papers came out in 2020, and which of them have code?")
    text = bubble.inner_text()
    assert "12 papers in the listing match (year 2020)" in text and "previous answer" not in text, text
    bubble = _ask(page, "What have these papers found about prompting large language models?")
    assert "Boosted Prompt Ensembles" in bubble.inner_text() and "Sandbox" not in bubble.inner_text()


@pytest.mark.browser
def test_examples_and_errors_show_as_messages(page, server):
    _open(page, server)
    page.get_by_role("button", name="How many papers were published in 2023?").click()
    page.wait_for_function("() => document.querySelectorAll('#qa-chat .qa-final').length === 1",
                           timeout=ANSWER_TIMEOUT)
    assert "bibliographic" in page.locator("#qa-chat .qa-final").last.inner_text()
    page.click("#qa-send")  # empty question
    page.wait_for_function("() => document.querySelectorAll('#qa-chat .qa-final').length === 2")
    assert "empty" in page.locator("#qa-chat .qa-error").last.inner_text()
    bubble = _ask(page, "why " * 600)  # 2,400 characters
    assert "too long" in bubble.inner_text()
    assert "Traceback" not in page.inner_text("body")


@pytest.mark.browser
def test_streaming_reset_crash_and_missing_index(page, odd_server):
    _open(page, odd_server)
    assert render.LLM_HINT not in page.inner_text(".qa-modeline")
    STREAM_SEEN.clear()
    page.fill("#qa-question textarea", "slow")
    page.press("#qa-question textarea", "Enter")
    # deltas show up while the answer is still streaming, after the reset dropped the first text
    page.wait_for_selector("#qa-chat .qa-streaming:has-text('Streaming')")
    STREAM_SEEN.set()
    bubble = _answer_after(page, 0)
    assert "Streaming works [1]." in bubble.inner_text() and "discarded" not in bubble.inner_text()
    assert "not supported" in bubble.inner_text()  # warnings are shown with the answer
    card = page.inner_text("#qa-sources #src-1-1")
    assert "Slow <paper>" in card and "the <quote>" in card
    assert "qa ingest" in _ask(page, "store").inner_text()
    crash = _ask(page, "crash").inner_text()
    assert "something went wrong" in crash and "internal detail" not in page.inner_text("body")
    page.get_by_role("tab", name="Collection").click()
    assert "qa ingest" in page.inner_text("#qa-profile")


@pytest.mark.browser
def test_collection_tab_plot_table_and_ask_about_a_paper(page, server):
    _open(page, server)
    page.get_by_role("tab", name="Collection").click()
    assert "50 listed vs 56 claimed" in page.inner_text("#qa-profile")
    assert "46" in page.inner_text("#qa-profile") and "Jimmy Ba" in page.inner_text("#qa-profile")
    page.wait_for_selector("#qa-plot canvas, #qa-plot svg")
    assert page.get_attribute("#qa-table [role=grid]", "aria-rowcount") == "51"  # header + 50 papers
    page.wait_for_timeout(500)  # let the plot finish drawing

    _open_paper(page, "Lookahead")
    assert "Lookahead Optimizer" in page.inner_text("#qa-paper")
    page.click("#qa-ask-paper")
    _answer_after(page, 0)
    assert "Lookahead Optimizer" in page.inner_text("#qa-sources .qa-card")


@pytest.mark.browser
def test_corpus_html_is_shown_as_text_and_never_runs(page, xss_server):
    _open(page, xss_server)
    assert XSS_IMG in page.inner_text(".qa-header")
    _ask(page, f"What happens in zebrafish fin regeneration? {XSS_IMG}")
    sources = page.inner_text("#qa-sources")
    assert XSS_IMG in sources and XSS_SCRIPT in sources
    assert XSS_IMG in page.inner_text("#qa-chat")  # the question, echoed as text
    page.get_by_role("tab", name="Collection").click()
    page.locator("#qa-table .virtual-row [role=gridcell]", has_text="Zebrafish").first.click()
    page.wait_for_selector("#qa-paper .qa-abstract")
    assert XSS_SCRIPT in page.inner_text("#qa-paper")
    page.wait_for_timeout(300)  # an onerror handler would have fired by now
    assert page.evaluate("window.__xss") is None
    assert page.locator("#qa-paper img, #qa-sources img, #qa-sources script, #qa-chat img").count() == 0


SYNTHESIS = "What has been done on reinforcement learning?"  # cites several papers, two abstracts with long URLs
_SCROLLED = """() => { const out = [];
    for (const e of document.querySelectorAll('*'))
        if (e.scrollTop > 0 && e !== document.scrollingElement)
            out.push({id: e.id, cls: String(e.className).slice(0, 60), top: e.scrollTop,
                      inChat: !!e.closest('#qa-chat'), inSheet: !!e.closest('#qa-sheet')});
    return out; }"""
_IN_VIEW = """sel => { const r = document.querySelector(sel).getBoundingClientRect();
    return r.height > 0 && r.top >= -1 && r.bottom <= window.innerHeight + 1; }"""


@pytest.mark.browser
def test_last_citation_never_traps_the_page(sized_page, server):
    """Issue 14 (1) and (7): the sources panel scrolls on its own, the page never moves out from under the user."""
    page = sized_page
    _open(page, server)
    assert page.evaluate("window.scrollY") == 0 and page.evaluate(_IN_VIEW, ".qa-header h1")  # title on load
    bubble = _ask(page, SYNTHESIS)
    cites = bubble.locator("a.qa-cite")
    last = cites.last
    n = int(last.inner_text())
    assert n >= 6, "expected a synthesis answer citing many papers"
    panel = page.locator("#qa-sources")
    assert panel.evaluate("e => getComputedStyle(e).overflowY") == "auto"
    # every card is reachable: scrolled to its end, the panel shows the bottom of the last card
    reach = panel.evaluate("""e => { e.scrollTop = 1e6; const cards = e.querySelectorAll('.qa-sources .qa-card');
        const last = cards[cards.length - 1].getBoundingClientRect(), box = e.getBoundingClientRect();
        const out = {bottom: last.bottom, box: box.bottom, max: e.scrollHeight - e.clientHeight, top: e.scrollTop};
        e.scrollTop = 0; return out; }""")
    assert reach["top"] == reach["max"] and reach["bottom"] <= reach["box"] + 1, reach
    if not page.evaluate(_IN_VIEW, "#qa-question textarea"):
        page.evaluate("() => document.querySelector('#qa-question textarea').scrollIntoView({block: 'end'})")
    assert page.evaluate(_IN_VIEW, "#qa-question textarea")
    y = page.evaluate("window.scrollY")
    header_top = page.evaluate("document.querySelector('.qa-header h1').getBoundingClientRect().top")

    last.click()
    page.wait_for_selector(f"#src-1-{n}.qa-flash")
    page.wait_for_timeout(300)
    assert abs(page.evaluate("window.scrollY") - y) <= 2, "the page itself moved"
    assert page.evaluate(_IN_VIEW, "#qa-question textarea"), "the input left the screen"
    # nothing but the sources panel, the chat log and the sheet is scrolled: no hidden container
    stray = [e for e in page.evaluate(_SCROLLED)
             if e["id"] != "qa-sources" and not e["inChat"] and not e["inSheet"] and e["cls"] != "qa-sheet-body"]
    assert not stray, stray
    title = page.locator(f"#src-1-{n} .qa-card-title").inner_text()
    if page.viewport_size["width"] >= 900:  # beside the chat: the panel scrolled to the card, header still there
        assert page.evaluate(_IN_VIEW, f"#src-1-{n} .qa-card-title")
        assert page.evaluate("document.querySelector('.qa-header h1').getBoundingClientRect().top") == header_top
        assert panel.evaluate("e => e.scrollTop") > 0
    else:  # the panel is below the chat on a phone: the card opens over the page, and closes again
        sheet = page.locator("#qa-sheet")
        assert sheet.is_visible() and title in sheet.inner_text()
        page.click("#qa-sheet .qa-sheet-close")
        assert not sheet.is_visible()
        assert abs(page.evaluate("window.scrollY") - y) <= 2
    # and the card's way back to its answer
    page.locator(f"#src-1-{n} a.qa-back").evaluate("a => a.click()")
    page.wait_for_timeout(200)
    assert page.evaluate(_IN_VIEW, "#qa-question textarea")


@pytest.mark.browser
def test_copy_gives_markdown_with_numbered_references(page, server):
    _open(page, server)
    bubble = _ask(page, SYNTHESIS)
    bubble.locator("button.qa-copy").click()
    page.wait_for_function(
        "() => document.querySelector('#qa-chat .qa-final button.qa-copy').innerText === 'Copied'")
    text = page.evaluate("navigator.clipboard.readText()")
    assert "<" not in text and "qa-" not in text, text[:300]  # no HTML
    body, _, refs = text.partition("**References**")
    lines = [line for line in refs.strip().splitlines() if line.strip()]
    assert len(lines) >= 3 and "[1]" in body and f"[{len(lines)}]" in body and "model-based" in body.lower()
    # "1. Title (year). First, Second, Third et al.": the listing's authors, cut as the listing cuts them
    assert any(line.endswith(" et al.") and line.count(", ") >= 2 for line in lines), lines
    assert [line.split(".")[0] for line in lines] == [str(i) for i in range(1, len(lines) + 1)]
    assert all(re.search(r"^\d+\. .+ \(\d{4}\)\. \S", line) for line in lines), lines


@pytest.mark.browser
def test_ask_about_a_paper_is_not_narrowed_by_chat_filters(page, server):
    """Issue 14 (4): 'with code only' left on in the Chat tab must not change the Collection tab's question."""
    _open(page, server)
    _open_filters(page)
    page.click("#qa-has-code input")
    page.wait_for_selector("#qa-active-filters .qa-active")
    assert "with code" in page.inner_text("#qa-active-filters")  # visible beside the input
    assert "on: with code" in page.inner_text("#qa-filter-box")
    page.get_by_role("tab", name="Collection").click()
    _open_paper(page, "Mastering Diverse Domains")
    page.click("#qa-ask-paper")
    bubble = _answer_after(page, 0)
    assert UNFILTERED_NOTE in bubble.inner_text() and "filters:" not in bubble.inner_text()
    assert "Mastering Diverse Domains through World Models" in page.inner_text("#qa-sources .qa-card")
    # the chat's own questions still use the filter, and say so
    assert "with code" in _ask(page, SYNTHESIS).inner_text()


@pytest.mark.browser
def test_bold_text_uses_one_complete_font(page, server):
    """Issue 14 (6): Gradio's SemiBold files are subsets; bold must come from the complete Bold face."""
    _open(page, server)
    _ask(page, "What is FRePo?")
    page.evaluate("document.fonts.ready")
    fonts = [u.rsplit("/", 1)[-1] for u in page.requests if ".woff" in u]
    assert "SourceSansPro-Bold.woff2" in fonts and not [f for f in fonts if "SemiBold" in f], fonts
    faces = page.evaluate("""() => [...document.fonts].filter(f => f.family.includes('Source Sans Pro'))
                                   .map(f => f.weight)""")
    assert faces and set(faces) <= {"400", "700"}, faces
    weight = page.evaluate("getComputedStyle(document.querySelector('#qa-sources .qa-card-title')).fontWeight")
    assert int(weight) >= 600


@pytest.mark.browser
def test_phone_layout_title_filters_and_long_words(phone, server):
    """Issue 14 (7) on a 390x844 phone: nothing is clipped and nothing overflows sideways."""
    page = phone
    _open(page, server)
    page.wait_for_timeout(300)
    assert page.evaluate("window.scrollY") == 0 and page.evaluate(_IN_VIEW, ".qa-header h1")
    _open_filters(page)
    label = page.locator("#qa-has-code label")
    box = label.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0]
    assert label.evaluate("e => e.scrollWidth <= e.clientWidth + 1") and "with code only" in label.inner_text()
    _ask(page, SYNTHESIS)  # its first card's abstract holds a long URL
    page.evaluate("() => document.querySelectorAll('#qa-sources details').forEach(d => d.open = true)")
    page.wait_for_timeout(200)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    wide = page.evaluate("""() => [...document.querySelectorAll('#qa-sources .qa-card')]
        .filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.id)""")
    assert not wide, wide


@pytest.mark.browser
def test_welcome_legend_suggestions_and_math(page, server):
    _open(page, server)
    welcome = page.inner_text("#qa-chat .qa-welcome")
    assert "50 papers by Jimmy Ba" in welcome and "Machine Learning (LG)" in welcome and "Ask" in welcome
    _ask(page, "What is FRePo?")
    assert page.locator("#qa-sources .qa-card .qa-cat").first.get_attribute("title") == "Machine Learning (cs.LG)"
    # compact card: the sentence is shown, the abstract waits behind a toggle
    assert page.locator("#qa-sources #src-1-1 .qa-quote").is_visible()
    assert not page.locator("#qa-sources #src-1-1 .qa-abstract").is_visible()
    suggestions = page.locator("#qa-suggest button:visible")
    assert 2 <= suggestions.count() <= 3
    first = suggestions.first.inner_text()
    assert "Dataset Distillation using Neural Feature Regression" in first
    suggestions.first.click()
    _answer_after(page, 1)
    assert first.strip() in page.locator("#qa-chat").inner_text()
    assert "Yongchao Zhou" in page.locator("#qa-chat .qa-final").last.inner_text()
    # LaTeX is converted to Unicode at ingest: answers and quotes show β, not $β$
    bubble = _ask(page, "What is Multi-Rate VAE?")
    assert "β" in bubble.inner_text() and "$" not in bubble.inner_text()
    assert "$" not in page.inner_text("#qa-sources .qa-quote")
    page.get_by_role("tab", name="Collection").click()
    # the paper panel shows the source's own LaTeX, typeset by Gradio's bundled KaTeX
    _open_paper(page, "Multi-Rate VAE")
    page.wait_for_selector("#qa-paper .qa-abstract .katex")
    assert "$β$" not in page.inner_text("#qa-paper")
    legend = page.inner_text("#qa-legend")
    assert "LG" in legend and "Machine Learning" in legend and "Computation and Language" in legend


@pytest.mark.browser
def test_screenshots_on_both_viewports(sized_page, server):
    """docs/screenshots: the welcome card, an answer with its sources, a source opened, the Collection tab."""
    page = sized_page
    suffix = "" if page.viewport_size["width"] >= 900 else "-phone"
    _open(page, server)
    page.wait_for_timeout(300)
    _screenshot(page, f"welcome{suffix}.png", full_page=False)
    bubble = _ask(page, SYNTHESIS)
    page.wait_for_timeout(300)
    _screenshot(page, f"chat{suffix}.png")
    bubble.locator("a.qa-cite").nth(2).click()
    page.wait_for_selector("#qa-sources .qa-flash")
    page.wait_for_timeout(300)
    _screenshot(page, f"source{suffix}.png", full_page=False)
    page.keyboard.press("Escape")
    page.get_by_role("tab", name="Collection").click()
    page.wait_for_selector("#qa-plot canvas, #qa-plot svg")
    page.wait_for_timeout(800)  # let the plot finish drawing
    _screenshot(page, f"collection{suffix}.png")


def test_markdown_references_and_suggestions_are_pure():
    answer = Answer(question="q", route="synthesis", mode="extractive", model=None, answer="A [1]. B [2].",
                    citations=[Citation(1, "p1", "Lookahead Optimizer: k steps forward, 1 step back", 2019,
                                        ["Michael R. Zhang", "Jimmy Ba"], "x"),
                               Citation(2, "p2", "Layer Normalization", 2016, ["Jimmy Lei Ba"], "y")])
    md = render.answer_markdown(answer)
    assert md.startswith("A [1]. B [2].\n\n**References**\n\n")
    assert "1. Lookahead Optimizer: k steps forward, 1 step back (2019). Michael R. Zhang, Jimmy Ba." in md
    assert "2. Layer Normalization (2016). Jimmy Lei Ba." in md
    assert suggest_follow_ups(answer) == ["What method does “Lookahead Optimizer” propose?",
                                          "What are the main results of “Layer Normalization”?"]
    answer.mode, answer.citations = "refusal", []
    assert suggest_follow_ups(answer) == []
    assert "Machine Learning" in render.legend_html(["LG"]) and render.legend_html([]) == ""


# ---------------------------------------------------------------- API and HTTP

def test_api_ask_returns_the_json_object(server, assistant):
    from gradio_client import Client

    client = Client(server, verbose=False)
    result = client.predict("What is FRePo?", api_name="/ask")
    assert set(result) == JSON_KEYS
    assert result["route"] == "paper" and result["citations"][0]["n"] == 1
    assert result["citations"][0]["title"] == "Dataset Distillation using Neural Feature Regression"
    expected = assistant.ask("What is FRePo?").to_dict()
    assert {k: v for k, v in result.items() if k != "timings_ms"} == \
        {k: v for k, v in expected.items() if k != "timings_ms"}

    history = json.dumps([{"role": "user", "content": "What is the Lookahead optimizer?"},
                          {"role": "assistant", "content": "Lookahead is an optimizer [1]."}])
    follow_up = client.predict("Who wrote it?", history, api_name="/ask")
    assert "Michael R. Zhang" in follow_up["answer"]
    filtered = client.predict("What has been done on model-based reinforcement learning?", "[]", 2023, None, "",
                              "", 3, api_name="/ask")
    assert filtered["citations"] and all(c["year"] >= 2023 for c in filtered["citations"])
    with pytest.raises(Exception, match="empty"):
        client.predict("   ", api_name="/ask")


def test_ten_simultaneous_questions_get_their_routes(server):
    from gradio_client import Client

    questions = {
        "What is FRePo?": "paper",
        "How many tokens does OpenWebMath contain?": "paper",
        "What is the Lookahead optimizer?": "paper",
        "What has been done on model-based reinforcement learning?": "synthesis",
        "How many papers were published in 2023?": "metadata",
        "Which papers have code available?": "metadata",
        "How many papers were published in 2020?": "metadata",
        "What is the capital of France?": "not_answerable",
        "Who won the 2018 football world cup?": "not_answerable",
        "What is DreamerV3?": "paper",
    }
    client = Client(server, verbose=False)
    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        results = dict(zip(questions, pool.map(lambda q: client.predict(q, api_name="/ask"), questions)))
    assert {q: r["route"] for q, r in results.items()} == questions
    assert all(r["question"] == q for q, r in results.items())


def test_serve_binds_loopback_and_reads_qa_auth_from_settings(index_settings, tmp_path):
    """`qa serve`'s entry point in its own process, configured through QA_* like a user would."""
    port = _free_port()
    env = {**os.environ, "QA_DATA_DIR": str(index_settings.data_dir), "QA_PORT": str(port),
           "QA_AUTH": ":".join(AUTH), "GRADIO_ANALYTICS_ENABLED": "False"}
    code = "from qa.settings import Settings; from ui.app import serve; serve(Settings.from_env())"
    log = open(tmp_path / "serve.log", "wb")
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status = _http(f"http://127.0.0.1:{port}/config")[0]
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail(f"serve did not come up: {(tmp_path / 'serve.log').read_text()[-2000:]}")
        assert status == 401  # up, and behind the login
        assert f"http://127.0.0.1:{port}" in (tmp_path / "serve.log").read_text()
    finally:
        process.terminate()
        process.wait(15)
        log.close()


def _http(url: str, data: bytes | None = None, headers: dict | None = None, opener=None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def test_auth_refuses_page_and_api_without_login(auth_server):
    import http.cookiejar

    from gradio_client import Client

    base = auth_server.rstrip("/")
    status, body = _http(base + "/")
    assert status == 200 and "Dataset Distillation" not in body  # only the login shell
    assert _http(base + "/config")[0] == 401
    assert _http(base + "/gradio_api/info")[0] == 401
    call = json.dumps({"data": ["What is FRePo?"]}).encode()
    assert _http(base + "/gradio_api/call/ask", call, {"Content-Type": "application/json"})[0] == 401
    with pytest.raises(Exception):
        Client(auth_server, verbose=False).predict("What is FRePo?", api_name="/ask")

    wrong = urllib.parse.urlencode({"username": AUTH[0], "password": "nope"}).encode()
    assert _http(base + "/login", wrong)[0] in (400, 401)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    login = urllib.parse.urlencode({"username": AUTH[0], "password": AUTH[1]}).encode()
    assert _http(base + "/login", login, opener=opener)[0] == 200
    assert _http(base + "/config", opener=opener)[0] == 200
    result = Client(auth_server, auth=AUTH, verbose=False).predict("What is FRePo?", api_name="/ask")
    assert result["route"] == "paper"


@pytest.mark.browser
def test_login_page_in_the_browser(page, auth_server):
    page.goto(auth_server, wait_until="load")
    page.wait_for_selector("input[type=password]")
    assert page.locator("#qa-question").count() == 0
    page.get_by_label("username").fill(AUTH[0])
    page.fill("input[type=password]", AUTH[1])
    page.get_by_role("button", name="Login").click()
    page.wait_for_selector("#qa-question textarea")
