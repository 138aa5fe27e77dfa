"""The exception of bad user input, importable without torch, numpy or pandas."""
from __future__ import annotations


class BadInput(ValueError):
    """Bad user input: the message is one line that says what to do."""


class RunIncomplete(RuntimeError):
    """Some chunks kept failing: every other chunk is stored and the run is marked incomplete."""
