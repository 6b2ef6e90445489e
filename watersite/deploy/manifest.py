"""The manifest of a build: every output file with its digest, size and headers.

The content type and cache policy of each file are decided here, for the
object store, the CDN and (through `invoke headers`) the nginx origin alike:

- names that carry a content hash (theme bundles, Pagefind's index chunks)
  never change: cached for a year, `immutable`;
- pages, feeds, calendars, the sitemap and the search entry point change when
  content does: cached briefly, and purged from the CDN on every change;
- images and attachments keep their name when replaced: cached for a day.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
MEDIUM = "public, max-age=86400"

#: (pattern on the key, Cache-Control), first match wins.
CACHE_RULES: list[tuple[str, str]] = [
    (r"^theme/[a-z]+\.[0-9a-f]{12}\.(?:css|js)$", IMMUTABLE),
    (r"^pagefind/(?:fragment|index|filter)/", IMMUTABLE),
    (r"^pagefind/pagefind\.[^/]+\.pf_meta$", IMMUTABLE),
    (r"(?:^|/)[^/]*\.(?:html|xml|ics|json|txt|js|pagefind)$", SHORT),
    (r"", MEDIUM),
]

_TEXT = "; charset=utf-8"
CONTENT_TYPES = {
    ".html": "text/html" + _TEXT,
    ".css": "text/css" + _TEXT,
    ".js": "text/javascript" + _TEXT,
    ".json": "application/json" + _TEXT,
    ".xml": "application/xml" + _TEXT,
    ".ics": "text/calendar" + _TEXT,
    ".txt": "text/plain" + _TEXT,
    ".csv": "text/csv" + _TEXT,
    ".svg": "image/svg+xml",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".avif": "image/avif",
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".zip": "application/zip",
    ".rar": "application/vnd.rar",
    ".wps": "application/octet-stream",  # WPS Office files: downloaded, opened by WPS
    ".et": "application/octet-stream",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".pagefind": "application/octet-stream",
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pf_filter": "application/octet-stream",
}


#: Extensions the site may serve: its own files, attachments and images. The
#: table is explicit (not the machine's mime.types) so every machine agrees,
#: and the nginx origin gets exactly these types through `invoke headers`.
SERVED_EXTENSIONS = sorted(CONTENT_TYPES)


def content_type(key: str) -> str:
    """The Content-Type of an output file, with a charset for text."""
    if key.endswith("atom.xml"):
        return "application/atom+xml" + _TEXT
    suffix = Path(key).suffix.lower()
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


def cache_control(key: str) -> str:
    """The Cache-Control of an output file (see CACHE_RULES)."""
    return next(policy for pattern, policy in CACHE_RULES if re.search(pattern, key))


@dataclass(frozen=True)
class FileEntry:
    """One output file as it must be live."""

    sha256: str
    md5: str  # what S3-compatible stores report as the ETag of a single-part upload
    size: int
    content_type: str
    cache_control: str

    @property
    def headers(self) -> tuple[str, str]:
        """The headers that must match for the live copy to be right."""
        return (self.content_type, self.cache_control)


@dataclass
class Manifest:
    """Every output file by key (its path under the output folder)."""

    files: dict[str, FileEntry]

    def to_json(self) -> str:
        """Stable JSON: sorted keys, one file per line."""
        lines = [
            f"  {json.dumps(key)}: {json.dumps(asdict(entry), sort_keys=True)}"
            for key, entry in sorted(self.files.items())
        ]
        return "{\n" + ",\n".join(lines) + "\n}\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Read a manifest written by to_json."""
        return cls({key: FileEntry(**entry) for key, entry in json.loads(text).items()})

    @property
    def total_size(self) -> int:
        """Bytes of all files."""
        return sum(entry.size for entry in self.files.values())


def build_manifest(output: Path) -> Manifest:
    """Digest every file of the output folder (dotfiles excluded)."""
    files = {}
    for path in sorted(output.rglob("*")):
        key = path.relative_to(output).as_posix()
        if not path.is_file() or any(part.startswith(".") for part in key.split("/")):
            continue
        data = path.read_bytes()
        files[key] = FileEntry(
            sha256=hashlib.sha256(data).hexdigest(),
            md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
            size=len(data),
            content_type=content_type(key),
            cache_control=cache_control(key),
        )
    return Manifest(files)


def urls_of(key: str) -> list[str]:
    """The public URLs serving a key: /dir/ and /dir/index.html for an index page."""
    url = "/" + key
    if key == "index.html" or key.endswith("/index.html"):
        return [url[: -len("index.html")], url]
    return [url]
