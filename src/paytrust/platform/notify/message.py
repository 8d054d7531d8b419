"""The message every channel renders in its own way."""

from __future__ import annotations

from dataclasses import dataclass

from paytrust.platform.notify.enums import Severity


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    link: str | None = None
    severity: Severity = Severity.INFO
    markdown: bool = True  # chat formats: markdown message, or plain text when False

    def plain_text(self) -> str:
        parts = [self.title, "", self.body]
        if self.link:
            parts += ["", self.link]
        return "\n".join(parts)

    def markdown_text(self) -> str:
        parts = [f"### {self.title}", "", self.body]
        if self.link:
            parts += ["", f"[{self.link}]({self.link})"]
        return "\n".join(parts)
