"""`invoke bench`: the budgets for page weight and speed, measured in one run."""

from __future__ import annotations

import hashlib
import sys
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


@task(
    help={
        "lighthouse": "also run Lighthouse (about 15 s per page; default yes)",
        "weight": "measure page weight, requests and search quality (default yes)",
        "sizes": "build speed at these corpus sizes, comma-separated; '' to skip"
        " (default 1000,5000,10000; about 8 minutes)",
    }
)
def bench(
    c: Context, lighthouse: bool = True, weight: bool = True, sizes: str = "1000,5000,10000"
) -> None:
    """Measure page weight, requests, Lighthouse scores, search quality and build speed."""
    misses = _page_weight(c, lighthouse) if weight else []
    if sizes:
        misses += _build_speed([int(size) for size in sizes.split(",")])
    print(
        "预算全部达标 / All budgets met." if not misses else "未达标 / Missed: " + "; ".join(misses)
    )
    if misses:
        raise Exit(code=1)


def _build_speed(sizes: list[int]) -> list[str]:
    """Build-speed table (ours against plain Pelican) and the targets it misses."""
    from watersite.bench import buildspeed

    with tempfile.TemporaryDirectory() as folder:
        rows = buildspeed.run(
            ROOT / "content", Path(folder), sizes, lambda step: print(step, flush=True)
        )
    print(buildspeed.interpreter(), buildspeed.table(rows), sep="\n\n")
    return buildspeed.misses(rows)


def _page_weight(c: Context, lighthouse: bool) -> list[str]:
    """Page weight, Lighthouse and search quality tables, and the budgets they miss."""
    from watersite.bench import searchquality
    from watersite.bench.pageweight import (
        ITEM_BUDGET,
        lighthouse_scores,
        measure_requests,
        serve,
        table,
    )

    sys.path.insert(0, str(ROOT))
    from tests.search_queries import DEMO_QUERIES, FIXTURE_QUERIES, first_results

    ensure_test_tools(c)
    if lighthouse:
        _ensure_lighthouse(c)
    with tempfile.TemporaryDirectory() as folder:
        output, fixture = Path(folder) / "site", Path(folder) / "fixture"
        settings = load_settings(content=ROOT / "content", output=output)
        build(settings)
        build(load_settings(content=ROOT / "tests/fixtures/site/content", output=fixture))
        article = _newest_article(settings["WATERSITE_CATALOG"])
        pages = {"home": "/", "item": "/" + article.url, "listing": "/news/group/"}
        searches = {"search page": "/search/", "first query": "/search/?q=停水"}
        with serve(output) as base_url, serve(fixture) as fixture_url:
            weights = measure_requests(base_url, pages, output)
            search_weights = measure_requests(base_url, searches, output)
            if lighthouse:
                for weight in weights:
                    weight.scores = lighthouse_scores(base_url + weight.url)
            quality = searchquality.measure(
                {"demo": (base_url, DEMO_QUERIES), "fixture": (fixture_url, FIXTURE_QUERIES)},
                first_results,
            )
    print(table(weights), table(search_weights), searchquality.table(quality), sep="\n\n")
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
    return misses + [
        f"search misses ({q.site})" for q in quality if q.method == "search page" and q.misses
    ]


def _newest_article(catalog: object) -> object:
    entries = sorted(catalog.entries.values(), key=lambda e: e.source, reverse=True)  # type: ignore[attr-defined]
    return next(e for e in entries if e.state == PUBLISHED and e.section.path == "news/group")
