"""Problems found in content, worded for editors: Chinese first, then English.

Every problem names the file, the line and field where known, what is wrong and
how to fix it. The build and `invoke check` collect all problems and then stop,
so an editor sees every mistake at once instead of one per run.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ContentError:
    """One problem in one content file."""

    path: str  # relative to the repository, e.g. content/news/group/2024/x.md
    line: int  # 1-based; 0 when the problem concerns the whole file
    field: str  # front-matter field, e.g. "date" or "attachments[0].file"; "" if none
    zh: str  # what is wrong and how to fix it, in Chinese
    en: str  # the same in English

    def format(self) -> str:
        """Render as `path:line: 字段 field: 中文` with the English on the next line."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        what = f" 字段 {self.field}:" if self.field else ""
        return f"{where}:{what} {self.zh}\n    {self.en}"


class ContentErrors(SystemExit):
    """Raised when content has problems; carries all of them.

    It subclasses SystemExit on purpose: Pelican's command line logs any other
    exception with a full traceback, and editors need the messages, not a
    traceback. Uncaught, Python prints the report and exits with status 1; our
    own callers catch it by name.
    """

    def __init__(self, errors: list[ContentError]):
        self.errors = sorted(errors)
        super().__init__(self.report())

    def report(self) -> str:
        """All problems, one block each, with a count and a hint in both languages."""
        blocks = [error.format() for error in self.errors]
        count = len(self.errors)
        blocks.append(
            f"共发现 {count} 处内容问题，请逐条修改后重新运行。"
            f" / Found {count} content problem(s); fix each and run again."
        )
        return "\n".join(blocks)

    def __str__(self) -> str:
        return self.report()


class ContentFileError(Exception):
    """One or more problems found while reading a single file."""

    def __init__(self, errors: list[ContentError]):
        super().__init__("\n".join(e.format() for e in errors))
        self.errors = errors
