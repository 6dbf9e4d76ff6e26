"""A real SMTP server on loopback (aiosmtpd) that keeps what it accepts, for mail tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

from flowai_testkit import wait_until


@dataclass
class Mailbox:
    """Messages the server accepted: (envelope recipients, message)."""

    url: str = ""
    messages: list[tuple[list[str], Message]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd)
        self.messages.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for rcpt, m in self.messages if address in rcpt]

    def wait_for(self, address: str, count: int = 1) -> Message:
        return wait_until(lambda: self.to(address)[count - 1] if len(self.to(address)) >= count else None,
                          what=f"mail #{count} to {address}")  # fmt: skip


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """`with smtp_server() as box:` a server on a free loopback port; `box.url` is its smtp:// URL."""
    from aiosmtpd.controller import Controller

    box = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.url = f"smtp://127.0.0.1:{port}"
    try:
        yield box
    finally:
        controller.stop()
