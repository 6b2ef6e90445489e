"""Plain-text helpers shared by Markdown bodies and front-matter fields."""

from __future__ import annotations

import re

_WIDE = r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]"
_WIDE_BREAK = re.compile(rf"(?<={_WIDE})\n[ \t]*(?={_WIDE})")


def join_wide_lines(text: str) -> str:
    """Remove line breaks between two Chinese characters.

    Browsers render a line break as a space, which Chinese text must not have;
    editors wrap long lines in Markdown and YAML all the same.
    """
    return _WIDE_BREAK.sub("", text)
