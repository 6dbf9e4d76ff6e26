"""Logs follow sys.stdout as it is when a record is written (CLI runners and tests swap it)."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from flowai.core import logs


def test_a_closed_earlier_stdout_does_not_break_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    first = io.StringIO()
    monkeypatch.setattr(sys, "stdout", first)
    logs.configure("INFO")
    first.close()  # a CLI runner's capture, closed after its command
    second = io.StringIO()
    monkeypatch.setattr(sys, "stdout", second)
    logging.getLogger("flowai.test").info("still here", extra={"n": 1})
    logging.getLogger("faster_whisper").info("Processing audio with duration 00:02.265")  # too chatty
    [line] = second.getvalue().splitlines()
    assert json.loads(line)["msg"] == "still here" and json.loads(line)["n"] == 1
