"""Attachments: a size limit, and the bytes must match the file type.

A web page renamed to `.pdf`, or a program renamed to `.docx`, must not be
published under a harmless-looking name.
"""

from __future__ import annotations

from pathlib import Path

from watersite.safety import Limits

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office and WPS files
_ZIP = b"PK\x03\x04"  # zip and Office Open XML

#: What the first bytes of each attachment type must be; None means text.
SIGNATURES: dict[str, tuple[bytes, ...] | None] = {
    "pdf": (b"%PDF-",),
    "doc": (_OLE,),
    "xls": (_OLE,),
    "ppt": (_OLE,),
    "wps": (_OLE,),
    "et": (_OLE,),
    "docx": (_ZIP,),
    "xlsx": (_ZIP,),
    "pptx": (_ZIP,),
    "zip": (_ZIP,),
    "rar": (b"Rar!\x1a\x07",),
    "txt": None,
    "csv": None,
}


def check_attachment(path: Path, limits: Limits) -> tuple[str, str] | None:
    """A (中文, English) problem with the attachment at `path`, or None."""
    size = path.stat().st_size
    if size > limits.attachment_mb * 1024 * 1024:
        return (
            f"附件太大（{size / 1024 / 1024:.1f} MB），上限 {limits.attachment_mb} MB。请压缩或拆分后再提交。",
            f"The attachment is {size / 1024 / 1024:.1f} MB; the limit is {limits.attachment_mb} MB.",
        )
    extension = path.suffix[1:].lower()
    with path.open("rb") as handle:
        head = handle.read(4096)
    expected = SIGNATURES[extension]
    if expected is None:
        if b"\0" in head or b"<script" in head.lower() or b"<html" in head.lower():
            return _disguised(extension)
        return None
    if not any(head.startswith(signature) for signature in expected):
        return _disguised(extension)
    return None


def _disguised(extension: str) -> tuple[str, str]:
    return (
        f"文件内容与扩展名 .{extension} 不符（可能是改了扩展名的网页或程序）。请提交原始文件。",
        f"The file's content does not match its .{extension} extension (perhaps a renamed "
        "web page or program); commit the original file.",
    )
