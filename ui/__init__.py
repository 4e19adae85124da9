"""The browser UI of qa (Gradio): `build_app(assistant, settings)` and `serve(settings)`."""
from __future__ import annotations


def build_app(assistant, settings):
    from .app import build_app as _build

    return _build(assistant, settings)


def serve(settings, host=None, port=None, auth=None):
    from .app import serve as _serve

    return _serve(settings, host=host, port=port, auth=auth)


__all__ = ["build_app", "serve"]
