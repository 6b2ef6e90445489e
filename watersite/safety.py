"""The content safety policy (safety.yml) and the checks it drives on text.

The site we replace was defaced with hidden spam links; ours refuses, with the
file and line named, whatever would put such things on a page: links to hosts
not on the allowlist, sensitive words, and personal data (resident ID numbers,
private mobile numbers). The output guard (watersite/guard.py) checks the
built pages against the same policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field

from watersite.schema import load_config
from watersite.schema.models import Strict
from watersite.schema.types import Text

POLICY_FILE = "safety.yml"


class Limits(Strict):
    """File size and image pixel limits."""

    attachment_mb: int = Field(30, title="附件上限（MB）", description="单个附件最大")
    image_mb: int = Field(20, title="图片上限（MB）", description="单张图片文件最大")
    image_megapixels: int = Field(
        50, title="图片像素上限（百万）", description="超过即拒绝，防止解压炸弹"
    )


class SafetyPolicy(Strict):
    """safety.yml."""

    allowed_hosts: list[Text] = Field(
        title="允许链接的网站", description="外部链接只能指向这些网站及其子域名"
    )
    sensitive_words: list[Text] = Field([], title="敏感词", description="出现即构建失败")
    allowed_numbers: list[Text] = Field(
        [], title="允许的号码", description="允许出现的手机号或身份证号（公开的服务号码）"
    )
    limits: Limits = Field(default_factory=Limits, title="文件限制", description="大小和像素上限")

    def host_allowed(self, host: str) -> bool:
        """True for an allowed host or a subdomain of one."""
        host = host.lower().rstrip(".")
        return any(host == h or host.endswith("." + h) for h in self.allowed_host_names)

    @property
    def allowed_host_names(self) -> list[str]:
        """The allowed hosts as links are compared with them (lower case, no dots
        around), none empty."""
        return [h.lower().strip(".") for h in self.allowed_hosts if h.strip(".")]


def load_policy(path: Path) -> SafetyPolicy:
    """Read and validate safety.yml; raise ContentErrors on problems."""
    return load_config(path, SafetyPolicy)


# --- outbound links -----------------------------------------------------------


def outbound_host(url: str) -> str | None:
    """The host of an absolute or protocol-relative web URL, else None."""
    # Browsers read "\\" as "/" in web URLs: "/\\evil.example" is protocol-relative.
    normalised = url.strip().replace("\\", "/")
    parts = urlsplit(normalised)
    if parts.scheme.lower() in ("http", "https") or (
        not parts.scheme and normalised.startswith("//")
    ):
        return parts.hostname or ""
    return None


def unknown_host_problem(url: str, host: str) -> tuple[str, str]:
    """The message for a link to a host that is not allowed."""
    return (
        f"链接“{url}”指向未列入白名单的网站 {host}。为防止垃圾链接，外部链接只能指向 safety.yml 中"
        " allowed_hosts 列出的网站；确需链接，请联系技术人员添加。",
        f"Link '{url}' points to {host}, which is not in safety.yml allowed_hosts. "
        "Remove the link or have the host added to the allowlist.",
    )


# --- text scans: sensitive words and personal data -------------------------------


@dataclass(frozen=True)
class TextProblem:
    """Something in a file's text that must not be published."""

    line: int
    zh: str
    en: str


_MOBILE = re.compile(r"(?<![\d])(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?![\d])")
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def is_resident_id(number: str) -> bool:
    """True if an 18-character number is a well-formed resident ID (GB 11643)."""
    if not _RESIDENT_ID.fullmatch(number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != number[17].upper():
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return 1900 <= int(number[6:10]) <= 2100


def scan_text(text: str, policy: SafetyPolicy) -> Iterator[TextProblem]:
    """Sensitive words, resident ID numbers and private mobile numbers, by line."""
    allowed = {re.sub(r"\D", "", n.upper().replace("X", "0")) for n in policy.allowed_numbers}
    words = [(w, w.lower()) for w in policy.sensitive_words]
    for number, line in enumerate(text.split("\n"), start=1):
        lowered = line.lower()
        for word, key in words:
            if key in lowered:
                yield TextProblem(
                    number,
                    f"含有敏感词“{word}”，不能发布。请删除或改写。",
                    f"Contains the sensitive word '{word}'; remove or rephrase it.",
                )
        for match in _RESIDENT_ID.finditer(line):
            candidate = match.group(1)
            if is_resident_id(candidate) and candidate.upper().replace("X", "0") not in allowed:
                yield TextProblem(
                    number,
                    f"含有身份证号“{_mask(candidate)}”。个人信息不能公开发布，请删除或打码（如 3301**********1234）。",
                    f"Contains a resident ID number ({_mask(candidate)}); personal data must not "
                    "be published. Remove or mask it.",
                )
        for match in _MOBILE.finditer(line):
            digits = "".join(match.groups())
            if digits not in allowed:
                yield TextProblem(
                    number,
                    f"含有手机号“{_mask(digits)}”。个人手机号不能公开发布，请改为单位电话；"
                    "如是对外公开的服务号码，请联系技术人员加入 safety.yml 的 allowed_numbers。",
                    f"Contains a mobile number ({_mask(digits)}); use an office number, or have "
                    "a published service number added to allowed_numbers in safety.yml.",
                )


def _mask(number: str) -> str:
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
