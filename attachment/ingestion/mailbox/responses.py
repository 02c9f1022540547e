"""Reading imaplib's answers: an IMAP response is a nested parenthesised
list of atoms, quoted strings and literals (which imaplib hands back apart
from the text around them).  Only what the poller fetches is needed: FETCH
items by name, BODYSTRUCTURE as nested lists."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

_TOKEN = re.compile(
    rb'\s*(?:(?P<open>\()|(?P<close>\))|"(?P<quoted>(?:[^"\\]|\\.)*)"'
    rb'|(?P<atom>[^\s()"\[]+(?:\[[^\]]*\][^\s()"]*)?))'
)
_LITERAL = re.compile(rb"\{(\d+)\}$")


class _Literal(bytes):
    """A literal's octets, kept apart from the text they were sent in."""


def _tokens(data: Iterable[Any]) -> Iterator[bytes | _Literal | str]:
    """IMAP tokens of imaplib's answer: ``(`` and ``)`` as ``str``, atoms and
    quoted strings as ``bytes``, literals as :class:`_Literal`."""
    for piece in data:
        if piece is None:
            continue
        text, literal = piece if isinstance(piece, tuple) else (piece, None)
        if literal is not None:
            text = _LITERAL.sub(b"", text)
        position = 0
        while (match := _TOKEN.match(text, position)) and match.end() > position:
            position = match.end()
            if match["open"]:
                yield "("
            elif match["close"]:
                yield ")"
            elif match["quoted"] is not None:
                yield re.sub(rb"\\(.)", rb"\1", match["quoted"])
            else:
                yield match["atom"]
        if literal is not None:
            yield _Literal(literal)


def _parsed(data: Iterable[Any]) -> list[Any]:
    """imaplib's answer as nested lists of ``bytes`` (``NIL`` as ``None``)."""
    stack: list[list[Any]] = [[]]
    for word in _tokens(data):
        if word == "(":
            stack.append([])
        elif word == ")":
            if len(stack) > 1:
                done = stack.pop()
                stack[-1].append(done)
        elif not isinstance(word, _Literal) and word.upper() == b"NIL":
            stack[-1].append(None)
        else:
            stack[-1].append(word)
    return stack[0]


def fetched_items(data: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """Each message's FETCH items by name (``UID``, ``BODYSTRUCTURE`` …)."""
    for value in _parsed(data):
        if isinstance(value, list) and len(value) % 2 == 0:
            pairs = zip(value[::2], value[1::2], strict=True)
            items = {
                bytes(name).decode("ascii", "replace").upper(): v for name, v in pairs
            }
            if "UID" in items:
                yield items
