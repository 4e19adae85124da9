"""Errors a user can act on: the CLI prints them as one line and exits 2."""


class QAError(Exception):
    """A problem with the user's input, data or configuration (never a bug)."""

    exit_code = 2


class SourceError(QAError):
    """A source file that cannot be parsed; carries every problem found."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


class StoreError(QAError):
    """The index is missing, stale, built with another model, or unreachable."""


class LLMError(QAError):
    """The LLM endpoint failed; answers fall back to extractive on this."""
