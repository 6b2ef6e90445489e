"""The build's notion of "now" and the site's time zone.

Which items are published (a future `date` waits) and every status that depends
on the clock are computed against one instant per build. It comes from the
`BUILD_NOW` setting when a caller pins it, else from `SOURCE_DATE_EPOCH` (the
reproducible-builds convention), else from the system clock.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

SITE_TIMEZONE = ZoneInfo("Asia/Shanghai")


def build_now(settings: Mapping[str, Any] | None = None) -> datetime:
    """The instant this build runs "at", aware, in Asia/Shanghai."""
    pinned = (settings or {}).get("BUILD_NOW")
    if pinned is not None:
        return pinned.astimezone(SITE_TIMEZONE)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), SITE_TIMEZONE)
        except ValueError as exc:
            raise SystemExit(
                f"SOURCE_DATE_EPOCH 必须是整数秒（Unix 时间），现在是 {epoch!r}。"
                f" / SOURCE_DATE_EPOCH must be whole seconds since 1970, got {epoch!r}."
            ) from exc
    return datetime.now(SITE_TIMEZONE)
