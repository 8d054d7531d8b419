"""Map an offset inside a YAML scalar's value back to a line and column of the document.

YAML changes text on the way in (block indentation, folding, quote escapes), so the value
is aligned character by character against the raw source between the node's marks.
"""

from __future__ import annotations

import yaml


class ScalarLocator:
    def __init__(self, source: str, node: yaml.ScalarNode) -> None:
        self._source = source
        self._start = node.start_mark.index
        raw = source[self._start:node.end_mark.index]
        # A block scalar's content begins after its indicator line (``|-``, ``>`` ...).
        skip = raw.find("\n") + 1 if node.style in ("|", ">") else 0
        self._offsets = _align(node.value, raw, skip)

    def locate(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) in the document of character ``offset`` of the value."""
        if self._offsets:
            index = self._start + self._offsets[min(offset, len(self._offsets) - 1)]
            if offset >= len(self._offsets):  # the end of the value
                index += 1
        else:
            index = self._start
        return position_of(self._source, index)


def position_of(source: str, index: int) -> tuple[int, int]:
    line_start = source.rfind("\n", 0, index) + 1
    return source.count("\n", 0, index) + 1, index - line_start + 1


def _align(value: str, raw: str, start: int) -> list[int]:
    """For each character of ``value``, its index in ``raw`` (greedy: YAML only removes
    or rewrites characters, it never reorders them)."""
    offsets: list[int] = []
    cursor = start
    for char in value:
        found = raw.find(char, cursor)
        if char == " " and raw.startswith("\n", cursor):
            found = cursor  # a line break folded into a space
        if found < 0:  # an escape such as \t: point at the escape itself
            found = min(cursor, len(raw) - 1)
        offsets.append(found)
        cursor = found + 1
    return offsets
