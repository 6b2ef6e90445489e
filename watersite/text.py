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


# C0/C1 controls other than tab and line breaks, and the XML noncharacters: an
# entity like &#14; in a body would put them on a page and break XML feeds.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def strip_control(text: str) -> str:
    """Remove control characters that are invalid in HTML text and XML 1.0."""
    return _CONTROL.sub("", text)
