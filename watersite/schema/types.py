"""Field types of the content schema: how each text value from YAML is read.

Every type accepts only one unambiguous spelling and explains the right one in
Chinese and English when a value does not fit. Each carries a `Format` that the
editors' field reference prints, so documentation and validation cannot drift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ValidationInfo
from pydantic_core import PydanticCustomError

from watersite.clock import SITE_TIMEZONE
from watersite.text import join_wide_lines, strip_control


def problem(zh: str, en: str) -> PydanticCustomError:
    """A validation error carrying both languages (read back by schema.validate)."""
    return PydanticCustomError("content", "{en}", {"zh": zh, "en": en})


@dataclass(frozen=True)
class Format:
    """How a value is written, for the editors' field reference."""

    zh: str
    example: str


_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}))?")
_SLASHED = re.compile(r"\d{1,4}[/.]\d{1,2}[/.]\d{1,4}")


def _as_text(value: Any) -> str:
    if not isinstance(value, str):
        raise problem("应为一个值，不能是列表或多个字段。", "Expected a single value.")
    if strip_control(value) != value:
        raise problem(
            "含有不可见的控制字符（可能是从其他软件复制带来的），请删除后重新输入这一行。",
            "Contains invisible control characters (often pasted from other software); retype it.",
        )
    return value.strip()


def parse_datetime(value: Any) -> datetime:
    """`YYYY-MM-DD` or `YYYY-MM-DD HH:MM`, Asia/Shanghai; anything else is refused."""
    text = _as_text(value)
    match = _DATETIME.fullmatch(text)
    if not match:
        if _SLASHED.fullmatch(text):
            hint_zh = "这种写法的日和月先后不明确。"
            hint_en = "Day and month order is ambiguous in this form. "
        else:
            hint_zh, hint_en = "", ""
        raise problem(
            f"“{text}”不是有效的时间。{hint_zh}请写成 YYYY-MM-DD 或 YYYY-MM-DD HH:MM，"
            "例如 2024-05-01 或 2024-05-01 09:30。",
            f"'{text}' is not a valid date. {hint_en}Write YYYY-MM-DD or "
            "YYYY-MM-DD HH:MM, e.g. 2024-05-01 or 2024-05-01 09:30.",
        )
    year, month, day, hour, minute = (int(g) if g else 0 for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, tzinfo=SITE_TIMEZONE)
    except ValueError:
        raise problem(
            f"“{text}”不是日历上存在的日期或时间，请核对年月日和时分。",
            f"'{text}' does not exist on the calendar; check the day, month and time.",
        ) from None


def parse_date(value: Any) -> date:
    """`YYYY-MM-DD` only."""
    text = _as_text(value)
    if len(text) != 10:
        raise problem(
            f"“{text}”不是有效的日期。请写成 YYYY-MM-DD，例如 2024-05-01。",
            f"'{text}' is not a valid date. Write YYYY-MM-DD, e.g. 2024-05-01.",
        )
    return parse_datetime(text).date()


def parse_flag(value: Any) -> bool:
    """`true` or `false`."""
    text = _as_text(value).lower()
    if text in ("true", "false"):
        return text == "true"
    raise problem(
        f"“{text}”不是有效的开关值，只能写 true（是）或 false（否）。",
        f"'{text}' is not a switch value; write true or false.",
    )


def parse_money(value: Any) -> Decimal:
    """A non-negative amount in 元 with at most two decimals, without separators."""
    text = _as_text(value)
    if re.fullmatch(r"\d+(\.\d{1,2})?", text):
        return Decimal(text)
    hint = "不要写千分位逗号、“元”或“万”，" if re.search(r"[,，元万]", text) else ""
    raise problem(
        f"“{text}”不是有效的金额。{hint}请只写以元为单位的数字，例如 1250000 或 3980.50。",
        f"'{text}' is not a valid amount. Write plain digits in yuan, e.g. 1250000.",
    )


def parse_count(value: Any) -> int:
    """A whole number of at least 1."""
    text = _as_text(value)
    if text.isascii() and text.isdigit() and int(text) >= 1:
        return int(text)
    raise problem(
        f"“{text}”不是有效的人数，请写 1 或更大的整数。",
        f"'{text}' is not a valid count; write a whole number of at least 1.",
    )


_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def is_slug(text: str) -> bool:
    """True for a valid URL name: lowercase ASCII letters, digits and single hyphens."""
    return bool(_SLUG.fullmatch(text))


def parse_slug(value: Any) -> str:
    """Lowercase ASCII letters, digits and hyphens."""
    text = _as_text(value)
    if is_slug(text):
        return text
    raise problem(
        f"“{text}”不能用作网址名称。只能用小写英文字母、数字和连字符（-），"
        "例如 2024-water-plant-upgrade。",
        f"'{text}' cannot be a URL name; use lowercase a-z, 0-9 and hyphens.",
    )


_PHONE = re.compile(r"\+?[0-9][0-9\- ]{2,18}[0-9]")


def parse_phone(value: Any) -> str:
    """Digits with optional hyphens or spaces, e.g. 0123-96889."""
    text = _as_text(value)
    if _PHONE.fullmatch(text):
        return text
    raise problem(
        f"“{text}”不是有效的电话号码。请只写数字和连字符，例如 0123-96889 或 13800000000。",
        f"'{text}' is not a valid phone number; use digits and hyphens.",
    )


def tel_href(phone: str) -> str:
    """The `tel:` URL of a phone number as written in content or config."""
    return "tel:" + re.sub(r"[^0-9+]", "", phone)


def single_line(value: Any) -> str:
    """Text on one line, not empty."""
    text = _as_text(value)
    if not text:
        raise problem("不能为空。", "Must not be empty.")
    if "\n" in text:
        raise problem("只能写一行，不能换行。", "Must be a single line.")
    return text


def any_text(value: Any) -> str:
    """Text that may span lines, not empty; no breaks between Chinese characters."""
    text = _as_text(value)
    if not text:
        raise problem("不能为空。", "Must not be empty.")
    return join_wide_lines(text)


def parse_volume(value: Any) -> Decimal:
    """A non-negative volume in cubic metres."""
    text = _as_text(value)
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return Decimal(text)
    raise problem(
        f"“{text}”不是有效的水量，请只写立方米数，例如 216。",
        f"'{text}' is not a valid volume; write cubic metres as a number, e.g. 216.",
    )


#: Files an item may link to or attach, by extension.
ATTACHMENT_TYPES = {
    "pdf": "PDF",
    "doc": "Word",
    "docx": "Word",
    "xls": "Excel",
    "xlsx": "Excel",
    "ppt": "PPT",
    "pptx": "PPT",
    "wps": "WPS",
    "et": "WPS 表格",
    "zip": "ZIP",
    "rar": "RAR",
    "txt": "文本",
    "csv": "CSV",
}
IMAGE_TYPES = {
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "png": "PNG",
    "webp": "WebP",
    "gif": "GIF",
    "heic": "HEIC（手机照片，发布为 JPEG）",
    "heif": "HEIF（手机照片，发布为 JPEG）",
}


@dataclass(frozen=True)
class ContentFile:
    """A file under content/ that an item refers to (cover, attachment, PDF)."""

    path: str  # relative to the content root, POSIX separators

    @property
    def extension(self) -> str:
        """Lowercase extension without the dot."""
        return PurePosixPath(self.path).suffix[1:].lower()

    @property
    def url(self) -> str:
        """Site-relative URL of the published copy."""
        return "/" + self.path


def _resolve_file(value: Any, info: ValidationInfo, allowed: dict[str, str]) -> ContentFile:
    text = _as_text(value)
    context = info.context or {}
    root = context.get("content_root")
    source_dir: PurePosixPath = context.get("source_dir", PurePosixPath("."))
    if not text:
        raise problem("不能为空。", "Must not be empty.")
    if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", text):
        raise problem(
            f"“{text}”是网址，这里要写本站 content 文件夹里的文件名，例如 photo.jpg。",
            f"'{text}' is a URL; name a file inside content/, e.g. photo.jpg.",
        )
    relative = PurePosixPath(text.lstrip("/")) if text.startswith("/") else source_dir / text
    parts: list[str] = []
    for part in relative.parts:
        if part == "..":
            if not parts:
                raise problem(
                    f"“{text}”指向了 content 文件夹以外，不允许。",
                    f"'{text}' points outside content/; not allowed.",
                )
            parts.pop()
        elif part != ".":
            parts.append(part)
    target = PurePosixPath(*parts) if parts else PurePosixPath(".")
    extension = target.suffix[1:].lower()
    if extension not in allowed:
        names = "、".join(sorted(set(allowed)))
        raise problem(
            f"“{text}”的文件类型不允许，只能是：{names}。",
            f"'{text}' has a file type that is not allowed; use one of: {names}.",
        )
    if root is not None:
        full = root / target
        if not full.is_file():
            raise problem(
                f"找不到文件“{text}”（应在 content/{target}）。请检查文件名和大小写，"
                "并确认文件已一起提交。",
                f"File '{text}' not found (expected content/{target}). Check the name "
                "and letter case, and that the file was committed.",
            )
        if any((root / PurePosixPath(*parts[: i + 1])).is_symlink() for i in range(len(parts))):
            raise problem(
                f"“{text}”是符号链接，不允许。请放入真实文件。",
                f"'{text}' is a symbolic link; commit the real file instead.",
            )
    return ContentFile(str(target))


def _file_type(allowed: dict[str, str]) -> AfterValidator:
    return AfterValidator(lambda value, info: _resolve_file(value, info, allowed))


Title = Annotated[
    str, BeforeValidator(single_line), Format("一行文字", "关于城东片区计划停水的通知")
]
Text = Annotated[str, BeforeValidator(single_line), Format("一行文字", "")]
LongText = Annotated[
    str,
    BeforeValidator(any_text),
    Format("文字，可多行", ""),
]
DateTime = Annotated[
    datetime,
    BeforeValidator(parse_datetime),
    Format("日期时间：YYYY-MM-DD 或 YYYY-MM-DD HH:MM（北京时间）", "2024-05-01 09:30"),
]
Date = Annotated[date, BeforeValidator(parse_date), Format("日期：YYYY-MM-DD", "2024-05-01")]
Flag = Annotated[bool, BeforeValidator(parse_flag), Format("true 或 false", "true")]
Money = Annotated[Decimal, BeforeValidator(parse_money), Format("金额（元），只写数字", "1250000")]
Count = Annotated[int, BeforeValidator(parse_count), Format("整数（≥1）", "2")]
Volume = Annotated[
    Decimal, BeforeValidator(parse_volume), Format("水量（立方米），只写数字", "216")
]
Slug = Annotated[
    str,
    BeforeValidator(parse_slug),
    Format("小写英文字母、数字、连字符", "2024-water-plant-upgrade"),
]
Phone = Annotated[str, BeforeValidator(parse_phone), Format("电话号码", "0123-96889")]
Image = Annotated[
    Any,
    BeforeValidator(_as_text),
    _file_type(IMAGE_TYPES),
    Format("图片文件名（与本文件同一文件夹，或以 /media/ 开头）", "photo.jpg"),
]
Attachment = Annotated[
    Any,
    BeforeValidator(_as_text),
    _file_type(ATTACHMENT_TYPES | IMAGE_TYPES),
    Format("文件名（与本文件同一文件夹，或以 /media/ 开头）", "notice.pdf"),
]
ItemFile = Annotated[
    Any,
    BeforeValidator(_as_text),
    _file_type({"md": "Markdown"}),
    Format("最初那条通知的文件名（同一文件夹可只写文件名）", "2026-11-wangjiang-road-valve.md"),
]
PdfFile = Annotated[
    Any,
    BeforeValidator(_as_text),
    _file_type({"pdf": "PDF"}),
    Format("PDF 文件名", "2024-05.pdf"),
]
