"""`python -m ui` (what `qa serve` runs): the chat UI for the configured collection."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from qa.errors import QAError
from qa.settings import LLM_CHOICES, Settings


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser(prog="qa serve", description="Start the chat UI.")
    parser.add_argument("--data-dir", type=Path, help="index location (env QA_DATA_DIR, default .qa)")
    parser.add_argument("--chroma-url", help="use a `chroma run` server (env QA_CHROMA_URL)")
    parser.add_argument("--host", help="interface to bind (default 127.0.0.1; turn on QA_AUTH if you change it)")
    parser.add_argument("--port", type=int, help="port (default 7860)")
    parser.add_argument("--llm", choices=list(LLM_CHOICES), help="answer engine (env QA_LLM)")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(data_dir=args.data_dir, chroma_url=args.chroma_url, llm=args.llm,
                                     host=args.host, port=args.port)
        from .app import serve

        serve(settings, host=settings.host, port=settings.port)
    except QAError as exc:
        print(f"qa: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
