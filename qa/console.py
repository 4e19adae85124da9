"""What every `qa` subcommand shares on the terminal: argument types and the progress bar.

Kept apart from qa.cli so the commands' own modules (evaluate, bench) can use them
without importing the command line that imports them.
"""
from __future__ import annotations

import argparse
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
