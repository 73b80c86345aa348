"""A yes/no answer that carries its reason, so every refusal can be explained to the user."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self):
        return self.allowed


ALLOW = Decision(True)


def deny(reason):
    return Decision(False, str(reason))
