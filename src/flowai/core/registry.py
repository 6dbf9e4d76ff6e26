"""Where the app finds every feature's tables, routers and job kinds.

Feature packages are listed once here, so the app, Alembic and the workers see the same set.
"""

from __future__ import annotations

import importlib

MODEL_MODULES = [
    "flowai.core.models",
    "flowai.enterprise.models",
    "flowai.enterprise.webhooks.models",
    "flowai.editor.models",
    "flowai.shares.models",
    "flowai.voice.models",
]
JOB_MODULES = [
    "flowai.core.builtin_jobs",
    "flowai.enterprise.tasks",
    "flowai.enterprise.webhooks.tasks",
    "flowai.editor.tasks",
    "flowai.editor.captions_tasks",
    "flowai.shares.tasks",
    "flowai.voice.tasks",
]


def import_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)


def import_job_modules(extra: list[str] | None = None) -> None:
    for name in [*JOB_MODULES, *(extra or [])]:
        importlib.import_module(name)
