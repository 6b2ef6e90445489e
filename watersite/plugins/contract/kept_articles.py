"""Kept articles: Pelican's `Article` of an entry taken from the last build when
what our reader hands Pelican for it is the same.

Pelican makes every article anew in every build: 1.75 s of a one-edit rebuild
at 10,000 items on a slow machine (its path computations, metadata handling
and signals). Its own content cache cannot be used: it knows a file by its
time or bytes, while what our reader returns for a file depends on the whole
catalog (links, states). An article is made from the file's path, the body
HTML and the metadata our reader returns (`CatalogReader`, `pelican_metadata`),
and the settings; so it is kept under `article_key` — the path, the entry's
read key (which stands for its source, section, front matter, slug and URL),
state, preview flag, summary and HTML (by its digest, made once with the
body: `Rendered.digest`) — in a memo salted with the settings
pages show (`shared_inputs`), our code and the pinned libraries
(`watersite.memo`). Digesting the metadata itself took as long as Pelican.
Taking back 10,000 articles is 0.2 s; pickling them, 0.9 s of a core, runs in
a forked worker while the build goes on (`save_cache`).

What is kept is the article's attributes as Pelican made them, pickled at
once (our generators set more on it later), and the static links Pelican found
in its HTML (`add_static_links`, a pattern over all of it); the settings, the shared context
and the entry's front matter and section stand in by name and are the current
ones (the same objects as a made article's) when it is taken back. Every
article is made by Pelican when any plugin listens to the signals Pelican
sends while making one or before asking to keep it.
"""

from __future__ import annotations

import io
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.contents import Article
from pelican.generators import Generator

from watersite.catalog import Entry
from watersite.memo import Memo, key_of
from watersite.plugins.contract import catalog_of
from watersite.plugins.parallel_render.keys import shared_inputs
from watersite.workers import MIN_JOBS_PER_WORKER, in_background

#: Signals Pelican sends from making an article to asking to keep it: a kept
#: article would miss what their receivers do, or carry it.
_MAKING_SIGNALS = (
    signals.content_object_init,
    signals.article_generator_preread,
    signals.article_generator_context,
    signals.article_generator_pretaxonomy,
)


def article_key(path: str, entry: Entry) -> str:
    """The digest of what Pelican makes the entry's article from, besides settings."""
    return key_of(
        path, entry.read_key, entry.state, str(entry.preview), entry.summary_text, entry.html_digest
    )


class _StatePickler(pickle.Pickler):
    """Pickles an article's attributes with the objects it shares by name."""

    def __init__(self, buffer: io.BytesIO, shared: dict[str, Any]):
        super().__init__(buffer, protocol=5)
        self.names = {id(value): name for name, value in shared.items()}

    def persistent_id(self, obj: Any) -> str | None:
        return self.names.get(id(obj))


class _StateUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, shared: dict[str, Any]):
        super().__init__(io.BytesIO(data))
        self.shared = shared

    def persistent_load(self, pid: str) -> Any:
        return self.shared[pid]


class KeptArticles:
    """The articles of one build's ArticlesGenerator, kept for the next."""

    def __init__(self, generator: Any, cache_dir: Path):
        self.generator = generator
        self.entries: dict[str, Entry] = catalog_of(generator.settings).entries
        self.memo: Memo[bytes] = Memo(cache_dir, "articles", shared_inputs(generator.settings))
        self.now: dict[str, bytes] = {}
        # The key of each article Pelican is to make, by path: made once.
        self.keys: dict[str, str] = {}
        self.made: list[tuple[str, Article, Entry]] = []
        # The static links of each article taken back, by id: found by Pelican in
        # its HTML when it was made (a pattern over 41 MB of HTML: 0.1 s).
        self.kept: dict[int, set[str]] = {}
        self.workers = generator.settings.get("WATERSITE_RENDER_WORKERS")

    def get_cached_data(self, path: str, default: Any = None) -> Any:
        """The kept article for `path` (relative to PATH), or `default`."""
        entry = self._entry(path)
        if entry is None:
            return default
        key = article_key(path, entry)
        state = self.memo.last.get(key)
        if state is None:
            self.keys[path] = key
            return default
        article = Article.__new__(Article)
        attributes, static_links = _StateUnpickler(state, self._shared(entry)).load()
        article.__dict__.update(attributes)
        self.now[key] = state
        self.kept[id(article)] = static_links
        return article

    def add_source_path(self, content: Any, static: bool = False) -> None:
        """Pelican's `add_source_path`, a kept article found by the path Pelican
        worked out when it made it (`relative_source_path`, for the same settings):
        Pelican works it out again from absolute paths (0.1 s at 10,000 items)."""
        if static or id(content) not in self.kept:
            Generator.add_source_path(self.generator, content, static)
        else:
            self.generator.context["generated_content"][content.relative_source_path] = content

    def add_static_links(self, content: Any) -> None:
        """Pelican's `add_static_links`, a kept article's links as Pelican found them."""
        static_links = self.kept.get(id(content))
        if static_links is None:
            Generator.add_static_links(self.generator, content)
        else:
            self.generator.context["static_links"] |= static_links

    def cache_data(self, path: str, article: Any) -> None:
        """Note the article Pelican just made for `path`, to be kept."""
        entry = self._entry(path)
        if entry is not None and type(article) is Article:
            key = self.keys.pop(path, None) or article_key(path, entry)
            self.made.append((key, article, entry))

    def save_cache(self) -> None:
        """Keep the articles made now and save the memo: in a forked worker while
        the build goes on, where there are many (pickling 10,000 articles is 0.9 s
        of one core, and this part of a build uses one). Pelican asks for this when
        its articles are as it made them; our generators set more on them later,
        which the worker, forked now, does not see."""
        if len(self.made) < MIN_JOBS_PER_WORKER or self.workers == 1:
            self._keep_made(None)
        else:
            _saving.append(in_background(self._keep_made, [None], self.workers))

    def _keep_made(self, _: None) -> None:
        for key, article, entry in self.made:
            buffer = io.BytesIO()
            try:
                _StatePickler(buffer, self._shared(entry)).dump(
                    (vars(article), article.get_static_links())
                )
            except (pickle.PicklingError, TypeError, AttributeError):
                continue  # made again next time
            self.now[key] = buffer.getvalue()
        self.memo.save(self.now)

    def _entry(self, path: str) -> Entry | None:
        return self.entries.get(path.replace(os.sep, "/"))

    def _shared(self, entry: Entry) -> dict[str, Any]:
        generator = self.generator
        return {
            "settings": generator.settings,
            "context": generator.context,
            "meta": entry.meta,
            "section": entry.section,
        }


#: Memos being saved in forked workers: waited for before the build ends.
_saving: list[Callable[[], list[None]]] = []


def keep_articles(generator: Any) -> None:
    """Let the ArticlesGenerator take kept articles and keep the ones it makes."""
    cache_dir = generator.settings.get("WATERSITE_CACHE_DIR")
    if not cache_dir or any(signal.receivers for signal in _MAKING_SIGNALS):
        return
    kept = KeptArticles(generator, Path(cache_dir))
    generator.get_cached_data = kept.get_cached_data
    generator.cache_data = kept.cache_data
    generator.save_cache = kept.save_cache
    generator.add_source_path = kept.add_source_path
    generator.add_static_links = kept.add_static_links


def finish_saving(_: Any) -> None:
    """Wait for the kept articles to be saved (at `finalized`)."""
    while _saving:
        _saving.pop()()
