"""`python -m flowai` is the `flowai` command."""

from flowai.cli import app

app()
