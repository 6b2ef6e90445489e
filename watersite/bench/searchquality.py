"""Search quality: how often the page a reader wants is among the first results.

For each query of tests/search_queries.py, in Chromium against a built site:
- "Pagefind alone": the first three hits of a plain `pagefind.search()`;
- "search page": what our search page shows first — the recommended pages
  (content/data/search.yml) and the first three hits after synonyms and the
  re-ranking of queries the browser cuts into single characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page, sync_playwright

Reader = Callable[[Page, str, Any], list[str]]

_PAGEFIND_ALONE = """
async ({text, filters, newest}) => {
  const pagefind = await import("/pagefind/pagefind.js");
  const options = {filters};
  if (newest) options.sort = {date: "desc"};
  const search = await pagefind.search(text, options);
  const data = await Promise.all(search.results.slice(0, 3).map(r => r.data()));
  return data.map(d => new URL(d.url, location.href).pathname);
}
"""


@dataclass
class Quality:
    """Hits out of queries for one site and one way of searching."""

    site: str
    method: str
    hits: int
    queries: int
    misses: list[str]


def measure(sites: dict[str, tuple[str, list]], search_page: Reader) -> list[Quality]:
    """Hit counts per site (name -> (base URL, queries)) for both ways of searching;
    `search_page` reads what the search page shows first (the tests' own reader)."""
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = browser.new_page()
        for name, (base, queries) in sites.items():
            page.goto(base + "/search/")
            for method in ("Pagefind alone", "search page"):
                hits, misses = 0, []
                for query in queries:
                    if method == "Pagefind alone":
                        urls = page.evaluate(
                            _PAGEFIND_ALONE,
                            {"text": query.text, "filters": query.filters, "newest": query.newest},
                        )
                    else:
                        urls = search_page(page, base, query)
                    if any(re.search(query.expect, url) for url in urls):
                        hits += 1
                    else:
                        misses.append(query.text)
                rows.append(Quality(name, method, hits, len(queries), misses))
        browser.close()
    return rows


def table(rows: list[Quality]) -> str:
    """The quality table as Markdown."""
    lines = ["| site | method | found in first results | missed |", "|---|---|---:|---|"]
    lines += [
        f"| {r.site} | {r.method} | {r.hits}/{r.queries} | {'、'.join(r.misses) or '–'} |"
        for r in rows
    ]
    return "\n".join(lines)
