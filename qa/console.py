"""What every `qa` subcommand shares on the terminal: argument types and the progress bar.

Kept apart from qa.cli so the commands' own modules (evaluate, bench) can use them
without importing the command line that imports them.
"""
from __future__ import annotations

import argparse
import os
import sys


def year_arg(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a year: {text!r}") from None
    if not 1000 <= year <= 9999:
        raise argparse.ArgumentTypeError(f"not a year: {text!r}")
    return year


def k_arg(text: str) -> int:
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 1 <= k <= 100:
        raise argparse.ArgumentTypeError(f"must be between 1 and 100, not {k}")
    return k


def progress_bar(label: str):
    """A one-line progress bar on stderr when it is a terminal (None otherwise: logs stay clean)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\r  {label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def run_command(command, args) -> int:
    """Run one subcommand with the settings the arguments name; errors become one line and an exit code."""
    from .errors import QAError
    from .settings import Settings

    try:
        settings = Settings.from_env(data_dir=args.data_dir, chroma_url=args.chroma_url)
        return command(settings, args)
    except QAError as exc:
        print(f"qa: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("qa: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `qa ask ... | head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: one line for users, the traceback with QA_DEBUG=1
        if os.environ.get("QA_DEBUG"):
            raise
        print(f"qa: internal error ({type(exc).__name__}: {str(exc)[:200]}); rerun with QA_DEBUG=1 for details",
              file=sys.stderr)
        return 1
