"""Render pages in forked worker processes: the largest Python step of a build.

Pelican renders and writes each page the moment a generator asks. Our writer
records each request instead (a shallow copy of its context, as Pelican's own
writer takes), and a last generator renders them all: split over forked
workers, which inherit every object without pickling, each writing its own
files. Every page depends only on its own request, so the bytes are the same as
a serial build's (tests/test_build_speed.py checks it).

What a worker would lose is brought back: log records at WARNING and above are
replayed in the parent (the contract plugin fails the build on ERROR records),
and content errors or crashes are raised in the parent. Nothing listens to
`content_written`; plugins that post-process (output_guard, search_index) read
the output folder at `finalized`.

A page whose inputs are the same as in the last build is not rendered: its
file is kept in the output, which is updated in place (keys.py says what a
page's inputs are, last_output.py how the file is kept; every page file written
or kept is noted, as the output's other files are deleted at `finalized`:
watersite/output.py). The items' digests the keys need are
made in workers forked as soon as the items are final (`learn_items_early`),
while the generators write. Compiled templates are kept too (Jinja's
bytecode cache, keyed by each template's source): every generator has its own
Jinja environment and compiles the templates it uses again in every build.

Setting: WATERSITE_RENDER_WORKERS (0: one per CPU; 1 renders in this process).
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import FileSystemBytecodeCache
from pelican import signals
from pelican.generators import Generator
from pelican.writers import Writer

from watersite.deleting import wait_for_deletions
from watersite.errors import ContentErrors
from watersite.output import files_of_build, wrote
from watersite.plugins.parallel_render.keys import PageKeys
from watersite.plugins.parallel_render.last_output import KeptPages, Written, take_over_cleaning
from watersite.workers import run_shares, worker_count

log = logging.getLogger(__name__)

#: Writer.write_file's own keyword arguments; the others are template variables.
_WRITER_ARGUMENTS = ("relative_urls", "paginated", "template_name", "override_output", "url")


class DeferredWriter(Writer):
    """Pelican's writer, with page rendering deferred to `render_deferred`."""

    def __init__(self, output_path: str, settings: dict[str, Any]):
        super().__init__(output_path, settings=settings)
        self.requests: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        self.names: set[str] = set()

    def write_file(
        self, name: Any, template: Any, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> None:
        if not name:
            return
        if name in self.names:  # what Pelican's writer refuses, refused before any rendering
            raise RuntimeError(f"File {name} is to be overwritten")
        self.names.add(name)
        self.requests.append(((name, template, context.copy(), *args), kwargs))

    def render_deferred(self) -> None:
        """Write every recorded page, in workers where that pays: kept from the last
        build where its key is the same, else rendered."""
        output = Path(self.output_path)
        kept = KeptPages(self.settings, output)
        setting = self.settings.get("WATERSITE_RENDER_WORKERS")
        keys = _page_keys(output, self.requests[0][0][2] if self.requests else {}, setting)
        if self.requests:
            cache = self.settings.get("WATERSITE_CACHE_DIR")
            templates = (args[1] for args, _ in self.requests)
            keys.learn_templates(templates, Path(cache) if cache else None)
        workers = worker_count(setting, len(self.requests))
        if workers == 1:
            pages = self._write_pages(kept, keys, self.requests)
        else:
            pages = _Pages()
            for outcome in run_shares(lambda i, n: self._write_share(kept, keys, i, n), workers):
                _replay(outcome)
                pages.add(outcome.pages)
        kept.save(pages.kept, pages.written)
        wrote(output, pages.files + kept.names(pages.kept))
        log.info(
            "页面：生成 %d 个，沿用上次的 %d 个 / Pages: %d rendered, %d kept from the last build",
            *(pages.rendered, len(pages.kept)) * 2,
        )
        self.requests = []

    def _write_pages(self, kept: KeptPages, keys: PageKeys, requests: list[Request]) -> _Pages:
        """Keep or render each of `requests`."""
        pages = _Pages()
        for request in requests:
            name = request[0][0]
            key = self._key(keys, request)
            if key is not None and kept.keep(key, name):
                pages.kept.append(key)
                continue
            args, kwargs = request
            Writer.write_file(self, *args, **kwargs)
            pages.rendered += 1
            written = kept.written(key, name) if key is not None else None
            if written is not None and key is not None:
                pages.written[key] = written
        pages.files += self._written_files  # rendered: one request may write several
        return pages

    def _key(self, keys: PageKeys, request: Request) -> str | None:
        """The page's key (keys.py), or None for pages Pelican would paginate."""
        (name, template, context, *positional), named = request
        arguments = {k: v for k, v in named.items() if k in _WRITER_ARGUMENTS}
        paginated = arguments.get("paginated")
        if paginated is None:
            paginated = {k: v for k, v in named.items() if k in {"articles", "dates"}}
        if paginated and arguments.get("template_name") in self.settings["PAGINATED_TEMPLATES"]:
            return None  # several files from one request: not worth keeping
        return keys.key(template, (name, positional, arguments), named, context)

    def _write_share(self, kept: KeptPages, keys: PageKeys, index: int, count: int) -> _Outcome:
        """Write every `count`-th request from `index` on, collecting what would be lost."""
        outcome = _Outcome()
        root = logging.getLogger()
        # Only collected here, and logged once, by the parent: never printed twice.
        saved, root.handlers = root.handlers, [_Collect(outcome)]
        try:
            outcome.pages = self._write_pages(kept, keys, self.requests[index::count])
        except ContentErrors as problems:
            outcome.content_errors = problems.errors
        except Exception:
            outcome.crash = traceback.format_exc()
        finally:
            root.handlers = saved
        return outcome


#: Output folder -> the page keys of its build, the items they are learning, and
#: how to take those in (see `learn_items_early`).
_learning: dict[Path, tuple[PageKeys, list[Any], Callable[[], None]]] = {}


def learn_items_early(generators: list[Generator]) -> None:
    """Start digesting the items for the page keys: Pelican sends this once every
    generator has made its context (the items are final) and before any writes,
    so the generators write their pages while the workers digest."""
    settings = generators[0].settings
    items = _items_of(generators[0].context)
    keys = PageKeys()
    take_in = keys.learn_items(items, settings.get("WATERSITE_RENDER_WORKERS"))
    _learning[Path(settings["OUTPUT_PATH"])] = (keys, items, take_in)


def _page_keys(output: Path, context: dict[str, Any], setting: int | None) -> PageKeys:
    """Page keys that know the digests of the items in `context` (every request's
    context lists the same items): learnt early if those are the items learnt."""
    items = _items_of(context)
    early = _learning.pop(output, None)
    if early is not None:
        keys, learnt, take_in = early
        take_in()  # waits for the workers, whatever becomes of their digests
        if len(learnt) == len(items) and all(a is b for a, b in zip(learnt, items, strict=True)):
            return keys
    keys = PageKeys()
    keys.learn_items(items, setting)()
    return keys


def _items_of(context: dict[str, Any]) -> list[Any]:
    return [*context.get("articles", ()), *context.get("pages", ())]


#: A recorded page request: Writer.write_file's arguments, positional and named.
Request = tuple[tuple[Any, ...], dict[str, Any]]


@dataclass
class _Pages:
    """The pages one share wrote: how many rendered, the keys of those kept (a
    worker sends back no more: 5,500 pages' files and signatures each were sent
    and saved again), the rendered ones' files by key, and every file rendered."""

    rendered: int = 0
    kept: list[str] = field(default_factory=list)
    written: dict[str, Written] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def add(self, other: _Pages) -> None:
        self.rendered += other.rendered
        self.kept += other.kept
        self.written.update(other.written)
        self.files += other.files


class _Outcome:
    """What a worker sends back: its log records, and its error if it failed."""

    def __init__(self) -> None:
        self.records: list[tuple[str, int, str]] = []
        self.pages = _Pages()
        self.content_errors: list[Any] | None = None
        self.crash: str | None = None


class _Collect(logging.Handler):
    def __init__(self, outcome: _Outcome):
        super().__init__(logging.WARNING)
        self.outcome = outcome

    def emit(self, record: logging.LogRecord) -> None:
        self.outcome.records.append((record.name, record.levelno, record.getMessage()))


def _replay(outcome: _Outcome) -> None:
    for name, level, message in outcome.records:
        logging.getLogger(name).log(level, "%s", message)
    if outcome.content_errors is not None:
        raise ContentErrors(outcome.content_errors)
    if outcome.crash is not None:
        raise RuntimeError(f"页面渲染失败 / A page failed to render:\n{outcome.crash}")


class RenderGenerator(Generator):
    """Runs last of our generators: renders every page the others asked for."""

    def generate_output(self, writer: Any) -> None:
        writer.render_deferred()


def get_writer(pelican: Any) -> type[Writer]:
    """Our deferring writer instead of Pelican's."""
    return DeferredWriter


def get_generators(pelican: Any) -> type[Generator]:
    """The generator that renders, after all generators that write pages."""
    take_over_cleaning(pelican)
    return RenderGenerator


def finish_output(pelican: Any) -> None:
    """Delete what this build did not write in its output (if no plugin reading the
    output did so already) and wait for every deletion to end."""
    files_of_build(pelican)
    wait_for_deletions()


def keep_compiled_templates(generator: Generator) -> None:
    """Give the generator's Jinja environment a bytecode cache in WATERSITE_CACHE_DIR,
    one folder per environment options and names of filters, tests and globals
    (what compiling a source depends on besides the source, which Jinja checks)."""
    cache = generator.settings.get("WATERSITE_CACHE_DIR")
    if cache:
        env = generator.env
        options = repr(
            (
                sorted(generator.settings["JINJA_ENVIRONMENT"].items()),
                sorted(env.filters),
                sorted(env.tests),
                sorted(env.globals),
            )
        )
        folder = Path(cache, "templates", hashlib.sha256(options.encode()).hexdigest()[:16])
        folder.mkdir(parents=True, exist_ok=True)
        generator.env.bytecode_cache = FileSystemBytecodeCache(str(folder))


def import_macros_quickly(generator: Generator) -> None:
    """Give each template its globals as a plain dict, not Jinja's ChainMap over the
    environment's globals: every `{% from … import … %}` compares the globals of
    the importing and the imported template key by key, through the ChainMap's
    Python code (4 µs an import, 0.3 CPU-s of a cold build at 10,000 items), in C
    for dicts. The same map: the environment's globals are all set when Pelican
    makes the generator (JINJA_GLOBALS), before it loads any template."""
    env = generator.env
    env.make_globals = lambda own: {**env.globals, **(own or {})}  # type: ignore[method-assign]


def register() -> None:
    """Connect to Pelican's signals."""
    signals.generator_init.connect(keep_compiled_templates)
    signals.generator_init.connect(import_macros_quickly)
    signals.all_generators_finalized.connect(learn_items_early)
    signals.get_writer.connect(get_writer)
    signals.get_generators.connect(get_generators)
    signals.finalized.connect(finish_output)
