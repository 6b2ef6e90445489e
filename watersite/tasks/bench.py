"""`invoke bench`: the budgets for page weight and speed, measured in one run."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from invoke import Context, Exit, task

from watersite.build import ROOT, build, load_settings
from watersite.catalog import PUBLISHED
from watersite.tasks.tools import ensure_test_tools

LIGHTHOUSE_DIR = ROOT / "tools" / "lighthouse"


def _ensure_lighthouse(c: Context) -> None:
    lock = LIGHTHOUSE_DIR / "package-lock.json"
    stamp = LIGHTHOUSE_DIR / "node_modules" / ".package-lock.sha256"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text(encoding="utf-8") != digest:
        with c.cd(str(LIGHTHOUSE_DIR)):
            c.run("npm ci --no-audit --no-fund --loglevel=error")
        stamp.write_text(digest, encoding="utf-8")


@task(help={"lighthouse": "also run Lighthouse (about 15 s per page; default yes)"})
def bench(c: Context, lighthouse: bool = True) -> None:
    """Measure page weight, requests and Lighthouse scores of the demo site."""
    from watersite.bench.pageweight import (
        ITEM_BUDGET,
        lighthouse_scores,
        measure_requests,
        serve,
        table,
    )

    ensure_test_tools(c)
    if lighthouse:
        _ensure_lighthouse(c)
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "site"
        settings = load_settings(content=ROOT / "content", output=output)
        build(settings)
        catalog = settings["WATERSITE_CATALOG"]
        article = next(
            e for e in sorted(catalog.entries.values(), key=lambda e: e.source, reverse=True)
            if e.state == PUBLISHED and e.section.path == "news/group"
        )  # fmt: skip
        pages = {"home": "/", "item": "/" + article.url, "listing": "/news/group/"}
        with serve(output) as base_url:
            weights = measure_requests(base_url, pages, output)
            if lighthouse:
                for weight in weights:
                    weight.scores = lighthouse_scores(base_url + weight.url)
    print(table(weights))
    item = next(w for w in weights if w.name == "item")
    misses = (
        []
        if item.text_total < ITEM_BUDGET
        else [f"item page {item.text_total / 1024:.1f} KB ≥ 30 KB"]
    )
    misses += [
        f"{w.name} {name} {score}"
        for w in weights
        for name, score in (w.scores or {}).items()
        if score < 100
    ]
    misses += [
        f"{w.name}: third-party or font requests" for w in weights if w.third_party or w.fonts
    ]
    print(
        "预算全部达标 / All budgets met." if not misses else "未达标 / Missed: " + "; ".join(misses)
    )
    if misses:
        raise Exit(code=1)
