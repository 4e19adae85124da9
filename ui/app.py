"""The browser UI: a streamed, cited chat beside its sources, and a Collection tab.

One Assistant per process, shared by every session (it is thread safe); the
queue runs a few answers at once. `/ask` is a stable API endpoint returning
exactly the `qa ask --json` object.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from collections import Counter
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # else Gradio calls home on launch
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gradio as gr  # noqa: E402

from qa.types import Answer  # noqa: E402
from qa.errors import QAError  # noqa: E402
from qa.papers import Paper, Profile  # noqa: E402
from qa.types import Filters  # noqa: E402
from qa.suggest import suggest_follow_ups  # noqa: E402

from . import render  # noqa: E402

log = logging.getLogger("qa.ui")

CSS_PATH = Path(__file__).with_name("style.css")
JS_PATH = Path(__file__).with_name("page.js")
SUGGESTIONS = 3            # follow-up buttons under the latest answer
UNFILTERED_NOTE = "asked from the Collection tab: the Chat filters were not applied"
CONCURRENCY = 4            # answers computed at once; more wait in the queue
MAX_HISTORY_MESSAGES = 12  # follow-ups need the last few turns, not the whole session
MAX_EARLIER_SOURCES = 10   # earlier answers whose source cards stay in the page
ANY_YEAR, ANY_CATEGORY = "any", "all"
GENERIC_ERROR = "Sorry, something went wrong while answering. Please try again."
EXAMPLES = [  # at least one per route
    "What is FRePo?",
    "How many tokens does OpenWebMath contain?",
    "What has been done on model-based reinforcement learning?",
    "How many papers were published in 2023?",
    "Which papers have code available?",
    "What is the capital of France?",
]
TABLE_HEADERS = ["Title", "Year", "Category", "Authors", "Code"]


# ---------------------------------------------------------------- inputs

def _year(value) -> int | None:
    if value in (None, "", ANY_YEAR):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise QAError(f"not a year: {value!r}") from None


def make_filters(year_from=None, year_to=None, category=None, author=None, has_code=False) -> Filters:
    category = None if category in (None, "", ANY_CATEGORY) else str(category)
    author = (author or "").strip() or None
    return Filters(year_from=_year(year_from), year_to=_year(year_to), category=category, author=author,
                   has_code=True if has_code else None)


def parse_history(history_json: str | list | None) -> list[dict]:
    """The API's history: a JSON list of {"role": "user"|"assistant", "content": str}."""
    if history_json in (None, ""):
        return []
    try:
        history = json.loads(history_json) if isinstance(history_json, str) else history_json
    except json.JSONDecodeError:
        raise QAError("history_json is not valid JSON") from None
    if not isinstance(history, list) or not all(
            isinstance(m, dict) and m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str)
            for m in history):
        raise QAError('history_json must be a list of {"role": "user"|"assistant", "content": "..."}')
    return [{"role": m["role"], "content": m["content"]} for m in history]


def parse_auth(value: str | None) -> list[tuple[str, str]] | None:
    """QA_AUTH: `user:password`, or the path of a file of such lines (# comments allowed)."""
    if not value:
        return None
    path = Path(value).expanduser()
    if path.is_file():
        lines = path.read_text(encoding="utf-8").splitlines()
    elif ":" in value:
        lines = [value]
    else:
        raise QAError(f"QA_AUTH must be user:password or an existing file of such lines, not {value!r}")
    pairs = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, _, password = line.partition(":")
        if not user.strip() or not password:
            raise QAError(f"QA_AUTH line {number}: expected user:password")
        pairs.append((user.strip(), password))
    if not pairs:
        raise QAError("QA_AUTH names no user:password")
    return pairs


# ---------------------------------------------------------------- collection data

def _collection(assistant) -> tuple[list[Paper], Profile | None, str]:
    """Papers and profile, or an empty collection and the reason (e.g. no index yet)."""
    try:
        return list(assistant.papers), assistant.profile, ""
    except QAError as exc:
        return [], None, str(exc)
    except Exception:  # the UI must still come up and say so
        log.exception("loading the collection failed")
        return [], None, "the collection could not be loaded"


def papers_table(papers: list[Paper]):
    import pandas as pd

    rows = [[p.title, p.year, p.category, p.authors_display(), "✓" if p.has_code else ""]
            for p in sorted(papers, key=lambda p: (-p.year, p.title.lower()))]
    return pd.DataFrame(rows, columns=TABLE_HEADERS)


def papers_per_year(papers: list[Paper]):
    import pandas as pd

    counts = Counter((p.year, p.category) for p in papers)
    rows = [{"year": str(year), "category": category, "papers": n} for (year, category), n in sorted(counts.items())]
    return pd.DataFrame(rows, columns=["year", "category", "papers"])


def find_paper(papers: list[Paper], title: str, year) -> Paper | None:
    for paper in papers:
        if paper.title == title and str(paper.year) == str(year):
            return paper
    return next((p for p in papers if p.title == title), None)


def question_about(paper: Paper) -> str:
    return f"What is the paper “{paper.title}” about?"


# ---------------------------------------------------------------- the app

def _new_session() -> dict:
    """Per-browser-session state: plain-text history for follow-ups, earlier answers' source cards."""
    return {"history": [], "sources": [], "turn": 0}


def build_app(assistant, settings) -> gr.Blocks:
    """The Blocks app around one shared Assistant (settings: kept for the launch options, see `start`)."""
    papers, profile, problem = _collection(assistant)
    mode_label = getattr(assistant, "mode_label", "")
    years = sorted({p.year for p in papers})
    categories = sorted({p.category for p in papers if p.category})

    def papers_by_id() -> dict[str, Paper]:
        # looked up per answer: an ingest may have changed the collection since startup
        try:
            return {p.paper_id: p for p in assistant.papers}
        except Exception:
            return {p.paper_id: p for p in papers}

    no_suggestions = tuple(gr.update(visible=False, value="") for _ in range(SUGGESTIONS))
    skip_suggestions = tuple(gr.skip() for _ in range(SUGGESTIONS))

    def suggestion_updates(answer: Answer) -> tuple:
        questions = suggest_follow_ups(answer, limit=SUGGESTIONS)
        return tuple(gr.update(visible=i < len(questions), value=questions[i] if i < len(questions) else "")
                     for i in range(SUGGESTIONS))

    def respond(question, chat, session, year_from, year_to, category, author, has_code):
        """The chat's answer, under the filters set in the Chat tab."""
        for update in _respond(question, chat, session, (year_from, year_to, category, author, has_code)):
            yield update

    def respond_unfiltered(question, chat, session):
        """"Ask about this paper" from the Collection tab: never narrowed by the Chat tab's filters."""
        for update in _respond(question, chat, session, (None, None, None, None, False), note=UNFILTERED_NOTE):
            yield update

    def _respond(question, chat, session, filter_values, note=""):
        for outputs in _answer(question, chat, session, filter_values, note):
            yield outputs if len(outputs) == 5 + SUGGESTIONS else (*outputs, *skip_suggestions)

    def _answer(question, chat, session, filter_values, note=""):
        """Stream one answer into the chat; every failure becomes a message in the chat."""
        question = question or ""
        chat = list(chat or [])
        session = dict(session or _new_session())
        earlier = list(session["sources"])[-MAX_EARLIER_SOURCES:]
        turn = session["turn"] + 1  # numbers the card anchors: unique in the page
        panel = render.panel_html("", earlier)
        if question.strip():
            shown = question if len(question) <= 600 else question[:600] + " …"
            chat.append({"role": "user", "content": render.esc(shown)})
        chat.append({"role": "assistant", "content": render.message_html("", turn, pending=True, note=note)})
        yield (chat, session, "", "", panel, *no_suggestions)

        answer: Answer | None = None
        text, route, known = "", "", []
        try:
            filters = make_filters(*filter_values)
            history = session["history"][-MAX_HISTORY_MESSAGES:]
            for event in assistant.ask_stream(question, history=history or None, filters=filters):
                partial = event.answer
                if event.kind == "route" and partial is not None:
                    route = partial.route
                    yield chat, session, gr.skip(), render.status_html(None, route), gr.skip()
                elif event.kind == "sources" and partial is not None:
                    route = partial.route or route
                    # numbers a streamed answer may cite; the final answer links only its real citations
                    known = [c.n for c in partial.citations] or list(range(1, len(partial.sources) + 1))
                    streaming = render.sources_html(partial, papers_by_id(), turn, question, pending=True)
                    panel = render.panel_html(streaming, earlier)
                    chat[-1] = {"role": "assistant", "content": render.message_html(
                        text, turn, route=route, citations=known, pending=True, note=note)}
                    yield chat, session, gr.skip(), gr.skip(), panel
                elif event.kind == "delta":
                    text += event.text
                    chat[-1] = {"role": "assistant", "content": render.message_html(
                        text, turn, route=route, citations=known, pending=True, note=note)}
                    yield chat, session, gr.skip(), gr.skip(), gr.skip()
                elif event.kind == "reset":  # the LLM failed midway: its text is replaced
                    text = ""
                elif event.kind == "done":
                    answer = partial
        except QAError as exc:
            chat[-1] = {"role": "assistant", "content": render.error_html(str(exc))}
            yield chat, session, gr.skip(), "", panel
            return
        except Exception:
            log.exception("answering failed")
            chat[-1] = {"role": "assistant", "content": render.error_html(GENERIC_ERROR)}
            yield chat, session, gr.skip(), "", panel
            return
        if answer is None:  # a stream that ended without its final answer
            log.error("ask_stream ended without a 'done' event")
            chat[-1] = {"role": "assistant", "content": render.error_html(GENERIC_ERROR)}
            yield chat, session, gr.skip(), "", panel
            return

        current = render.sources_html(answer, papers_by_id(), turn, question)
        chat[-1] = {"role": "assistant", "content": render.message_html(answer.answer, turn, answer, note=note,
                                                                        papers=papers_by_id())}
        session = {"history": session["history"] + [{"role": "user", "content": question},
                                                    {"role": "assistant", "content": answer.answer}],
                   "sources": earlier + [current], "turn": turn}
        yield (chat, session, gr.skip(), render.status_html(answer), render.panel_html(current, earlier),
               *suggestion_updates(answer))

    def api_ask(question: str, history_json: str = "[]", year_from: int | None = None,
                year_to: int | None = None, category: str = "", author: str = "",
                k: int | None = None) -> dict:
        """Answer one question; returns the `qa ask --json` object.

        history_json: JSON list of earlier {"role", "content"} messages (for follow-ups).
        """
        try:
            filters = make_filters(year_from, year_to, category, author)
            answer = assistant.ask(question, history=parse_history(history_json) or None,
                                   k=int(k) if k not in (None, "") else None, filters=filters)
            return answer.to_dict()
        except QAError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        except Exception:
            log.exception("/ask failed")
            raise gr.Error(GENERIC_ERROR, print_exception=False) from None

    def new_conversation():  # filters stay: they are settings, not conversation
        return ([], _new_session(), "", "", render.panel_html("", []), *no_suggestions)

    def show_filters(year_from, year_to, category, author, has_code):
        try:
            described = make_filters(year_from, year_to, category, author, has_code).describe()
        except QAError as exc:
            described = str(exc)
        label = f"Filters · on: {described}" if described else "Filters · off"
        return gr.update(value=render.filters_note(described), visible=bool(described)), gr.update(label=label)

    def select_paper(evt: gr.SelectData):
        row = evt.row_value or []
        paper = find_paper(papers, row[0], row[1]) if len(row) >= 2 else None
        return (render.paper_html(paper), paper.paper_id if paper else "",
                gr.update(visible=paper is not None))

    def ask_about(paper_id):
        paper = next((p for p in papers if p.paper_id == paper_id), None)
        if paper is None:
            return gr.skip(), gr.skip()
        return gr.Tabs(selected="chat"), question_about(paper)

    with gr.Blocks(title="qa · papers", analytics_enabled=False) as demo:
        gr.HTML(render.header_html(profile, papers, mode_label))
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat"):
                session = gr.State(_new_session())
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=380):
                        # our own Copy button gives Markdown; Gradio's would copy the bubble's HTML
                        chatbot = gr.Chatbot(
                            label="Conversation", show_label=False, elem_id="qa-chat", height=520,
                            render_markdown=False, sanitize_html=True, feedback_options=None, buttons=[],
                            layout="bubble", latex_delimiters=render.LATEX_DELIMITERS,
                            placeholder=render.welcome_html(profile, papers))
                        with gr.Row(elem_id="qa-suggest", elem_classes=["qa-suggest"]):
                            suggest_buttons = [gr.Button("", size="sm", variant="secondary", visible=False,
                                                         elem_classes=["qa-suggestion"])
                                               for _ in range(SUGGESTIONS)]
                        with gr.Row(elem_id="qa-ask-row"):
                            question = gr.Textbox(show_label=False, placeholder="Ask a question…", scale=5,
                                                  max_lines=6, elem_id="qa-question", autofocus=False)
                            send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="qa-send")
                        active_filters = gr.HTML("", elem_id="qa-active-filters", padding=False, visible=False)
                        with gr.Row(elem_classes=["qa-examples"]):
                            example_buttons = [gr.Button(q, size="sm", variant="secondary") for q in EXAMPLES]
                        with gr.Accordion("Filters · off", open=False, elem_id="qa-filter-box") as filter_box:
                            with gr.Row(elem_id="qa-filter-row"):
                                year_from = gr.Dropdown([ANY_YEAR] + [str(y) for y in years], value=ANY_YEAR,
                                                        label="From year", elem_id="qa-year-from", min_width=110)
                                year_to = gr.Dropdown([ANY_YEAR] + [str(y) for y in years], value=ANY_YEAR,
                                                      label="To year", elem_id="qa-year-to", min_width=110)
                                category = gr.Dropdown([ANY_CATEGORY] + categories, value=ANY_CATEGORY,
                                                       label="Category", elem_id="qa-category", min_width=110)
                                author = gr.Textbox(label="Author", placeholder="a surname, e.g. Smith",
                                                    elem_id="qa-author", min_width=140)
                                has_code = gr.Checkbox(label="with code only", elem_id="qa-has-code",
                                                       min_width=140)
                        new_chat = gr.Button("New conversation", size="sm", elem_id="qa-new")
                    with gr.Column(scale=2, min_width=320, elem_id="qa-side"):
                        status = gr.HTML("", elem_id="qa-status")
                        sources = gr.HTML(render.panel_html("", []), elem_id="qa-sources",
                                          padding=False)
            with gr.Tab("Collection", id="collection"):
                gr.HTML(render.profile_html(profile, papers) if not problem else render.error_html(
                    f"No collection to show: {problem}"), elem_id="qa-profile")
                gr.HTML(render.legend_html(categories), elem_id="qa-legend", padding=False)
                gr.BarPlot(papers_per_year(papers), x="year", y="papers", color="category",
                           title="Papers per year, by category", x_title="year", y_title="papers",
                           elem_id="qa-plot", height=300, sort="x")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        table = gr.Dataframe(papers_table(papers), headers=TABLE_HEADERS, interactive=False,
                                             show_search="search", wrap=True, max_height=520,
                                             column_widths=["36%", "13%", "14%", "27%", "10%"],
                                             label=f"{len(papers)} papers (click a row)", elem_id="qa-table")
                    with gr.Column(scale=2):
                        selected = gr.State("")
                        paper_view = gr.HTML(render.paper_html(None), elem_id="qa-paper")
                        ask_paper = gr.Button("Ask about this paper", variant="primary", visible=False,
                                              elem_id="qa-ask-paper")

        chat_inputs = [question, chatbot, session, year_from, year_to, category, author, has_code]
        chat_outputs = [chatbot, session, question, status, sources, *suggest_buttons]
        # chat and API share one concurrency group: CONCURRENCY answers at once in total
        # a question sent while the last answer is still finishing runs after it, instead of being dropped
        answer = {"fn": respond, "inputs": chat_inputs, "outputs": chat_outputs, "api_visibility": "private",
                  "concurrency_id": "answer", "trigger_mode": "always_last"}
        question.submit(**answer)
        send.click(**answer)
        for button in example_buttons + suggest_buttons:
            button.click(lambda q: q, button, question, queue=False, api_visibility="private").then(**answer)
        new_chat.click(new_conversation, None, [chatbot, session, question, status, sources, *suggest_buttons],
                       queue=False, api_visibility="private")
        chatbot.clear(lambda: new_conversation()[1:], None, [session, question, status, sources, *suggest_buttons],
                      queue=False, api_visibility="private")  # the chat's own trash button
        filter_inputs = [year_from, year_to, category, author, has_code]
        for control in filter_inputs:
            control.change(show_filters, filter_inputs, [active_filters, filter_box], queue=False,
                           api_visibility="private")
        table.select(select_paper, None, [paper_view, selected, ask_paper], queue=False,
                     api_visibility="private")
        ask_paper.click(ask_about, selected, [tabs, question], queue=False, api_visibility="private").then(
            respond_unfiltered, [question, chatbot, session], chat_outputs, api_visibility="private",
            concurrency_id="answer")
        gr.api(api_ask, api_name="ask", concurrency_id="answer")
    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


def katex_assets() -> dict:
    """Gradio's own bundled KaTeX (auto-render module and stylesheet), served by the app at /assets/.

    The chat bubbles use it through the Chatbot's latex_delimiters; the sources panel is plain HTML, so
    page.js loads the same files for it. Empty when this Gradio build has no KaTeX.
    """
    try:
        from gradio.route_utils import BUILD_PATH_LIB

        folder = Path(BUILD_PATH_LIB)
        js, css = sorted(folder.glob("auto-render-*.js")), sorted(folder.glob("katex-*.css"))
    except Exception:  # a Gradio without these files: math stays as text
        return {}
    if not js or not css:
        return {}
    return {"js": f"assets/{js[0].name}", "css": f"assets/{css[0].name}", "delimiters": render.LATEX_DELIMITERS}


def head_html() -> str:
    config = json.dumps(katex_assets()).replace("</", "<\\/")
    return f"<script>window.__qaMath = {config};</script><script>{JS_PATH.read_text(encoding='utf-8')}</script>"


def launch_options(auth: list[tuple[str, str]] | None = None) -> dict:
    """Everything `launch()` needs besides host and port (Gradio 6 takes css/theme here)."""
    return {
        "auth": auth,
        "auth_message": "Log in to ask about the papers." if auth else None,
        "css": CSS_PATH.read_text(encoding="utf-8"),
        # local fonts only, and only complete ones: Gradio's SemiBold files are 5 kB subsets that lack
        # most letters, so weight 600 would mix fonts; 400 and 700 are the full Source Sans Pro / Plex Mono
        "theme": gr.themes.Default(
            primary_hue="indigo",
            font=[gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "ui-sans-serif", "system-ui",
                  "sans-serif"],
            font_mono=[gr.themes.LocalFont("IBM Plex Mono", weights=(400, 700)), "ui-monospace", "Consolas",
                       "monospace"]),
        "head": head_html(),
        "ssr_mode": False,   # no Node server next to ours
        "show_error": False,  # our messages go in the chat; never a traceback
        "footer_links": ["api"],
        "favicon_path": None,
        "quiet": True,
    }


def start(assistant, settings, host: str | None = None, port: int | None = None, auth=None,
          block: bool = False) -> tuple[gr.Blocks, str]:
    """Build and launch; returns the app and its local URL. block=True serves until interrupted."""
    demo = build_app(assistant, settings)
    pairs = parse_auth(auth if auth is not None else getattr(settings, "auth", ""))
    _, url, _ = demo.launch(server_name=host or settings.host or "127.0.0.1", server_port=port or settings.port,
                            prevent_thread_lock=not block, **launch_options(pairs))
    return demo, url


def stop(demo: gr.Blocks) -> None:
    """Close a started app without racing its event loop.

    Gradio's close() sets an asyncio.Event from the calling thread while the server's loop may be adding or
    removing waiters on it (open streams), which can raise "deque mutated during iteration". Setting it on
    its own loop first makes close()'s set() a no-op.
    """
    event = getattr(getattr(demo, "app", None), "stop_event", None)
    loop = getattr(event, "_loop", None)  # bound when the first stream waited on it; None means no waiters
    if event is not None and loop is not None and loop.is_running():
        done = threading.Event()

        def _set():
            event.set()
            done.set()

        loop.call_soon_threadsafe(_set)
        done.wait(timeout=5)
    demo.close()


def serve(settings, host: str | None = None, port: int | None = None, auth: str | None = None) -> None:
    """`qa serve`: one Assistant for the process, bound to 127.0.0.1:7860 unless told otherwise."""
    from qa.assistant import Assistant

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("bm25s", "httpx", "chromadb"):  # per-request chatter, not events an operator needs
        logging.getLogger(noisy).setLevel(logging.WARNING)
    assistant = Assistant(settings)
    host = host or settings.host or "127.0.0.1"
    port = port or settings.port
    print(f"qa: serving on http://{host}:{port} ({assistant.mode_label})", flush=True)
    start(assistant, settings, host, port, auth, block=True)
