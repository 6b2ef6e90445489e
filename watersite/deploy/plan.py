"""What a deploy must do: which files to upload, in what order, which to delete,
which URLs to purge — computed from the new manifest, the last deployed one and
the live listing, before anything changes.

Order keeps the live site whole at every moment: files named by their content
hash first (nothing live refers to them yet), then other assets, then feeds and
data, then pages, the home page last; deletions only after every upload. A
reader who loads a page mid-deploy never meets a link to a missing file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from watersite.deploy.manifest import IMMUTABLE, Manifest, urls_of


class DeployError(SystemExit):
    """The deploy cannot go on; uncaught, Python prints the message."""


@dataclass(frozen=True)
class RemoteObject:
    """What the store lists for a key."""

    etag: str  # without quotes
    size: int


@dataclass
class Plan:
    """The changes that make the live site equal to a manifest."""

    uploads: list[str] = field(default_factory=list)  # keys, in upload order
    deletions: list[str] = field(default_factory=list)
    purge: list[str] = field(default_factory=list)  # site-relative URL paths

    @property
    def is_empty(self) -> bool:
        """True when the live site already equals the manifest."""
        return not (self.uploads or self.deletions)


def _upload_rank(key: str, manifest: Manifest) -> tuple[int, str]:
    entry = manifest.files[key]
    if entry.cache_control == IMMUTABLE:
        rank = 0
    elif not key.endswith((".html", ".xml", ".ics", ".json", ".txt")):
        rank = 1
    elif not key.endswith(".html"):
        rank = 2
    elif key != "index.html":
        rank = 3
    else:
        rank = 4  # the home page last
    return (rank, key)


def make_plan(
    target: Manifest,
    previous: Manifest | None,
    remote: dict[str, RemoteObject],
    unsure: frozenset[str] = frozenset(),
    delete_limit: int | None = None,
) -> Plan:
    """The plan from `previous` (the deployed manifest) and `remote` (the live
    listing) to `target`. `unsure` keys are re-uploaded whatever they look like
    (an interrupted deploy may have left them with the wrong headers)."""
    before = previous.files if previous else {}
    uploads = []
    for key, entry in target.files.items():
        live = remote.get(key)
        known = before.get(key)
        if (
            key in unsure
            or live is None
            or live.etag != entry.md5
            or live.size != entry.size
            or known is None
            or known.headers != entry.headers
        ):
            uploads.append(key)
    uploads.sort(key=lambda key: _upload_rank(key, target))
    deletions = sorted(key for key in remote if key not in target.files)
    if delete_limit is not None and len(deletions) > delete_limit:
        raise DeployError(
            f"这次部署将删除 {len(deletions)} 个线上文件，超过上限 {delete_limit}，已停止，没有做任何改动。"
            "如果确实要删除这么多（例如网站改版），请把 DEPLOY_DELETE_LIMIT 设得更大后重新部署；"
            "如果是构建出错（例如输出为空），请先修复构建。\n"
            f"This deploy would delete {len(deletions)} live files, over the limit of {delete_limit}; "
            "nothing was changed. Raise DEPLOY_DELETE_LIMIT if this is intended."
        )
    purge: list[str] = []
    for key in uploads:
        # Files named by their hash were never requested before: nothing to purge.
        if key in remote or key in before or target.files[key].cache_control != IMMUTABLE:
            purge.extend(urls_of(key))
    for key in deletions:
        purge.extend(urls_of(key))
    return Plan(uploads=uploads, deletions=deletions, purge=sorted(set(purge)))
