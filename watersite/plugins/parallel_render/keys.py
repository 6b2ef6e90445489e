"""Page keys: a digest of everything one page shows, so a rebuild keeps the
pages whose inputs are the same as in the last build instead of rendering them.

A page shows what its template reads: the variables of the template and of
every template it extends, includes or imports (found by Jinja's own analysis,
`jinja2.meta`), looked up in the page's context. The key digests the templates'
sources, the request's arguments and those variables' values by what they hold,
pickled (fast, and it knows how to take any object apart), except that

- items (Pelican content) count by all their attributes, the items they point
  to (neighbours, related items, a thread's notices) by those items' own
  attributes, and anything further by path only: no template reads further
  than one step from an item it is given;
- tags and categories count by name; validated models and plain dataclasses
  by their class's name and their fields, dates and times by their state and
  their zone's name: what pickle itself writes, less the classes that would
  rebuild them, which pickle looks up by name each time (a third of the time
  of digesting the items, at three classes for each date);
- site-map sections by path and functions by name (both are our code).

What all pages share is outside the keys, in the memo's salt (see
`shared_inputs`): our code and pinned libraries (watersite.memo), and the
settings. The build clock is not: the states it decides are attributes of the
items, and templates read only the year (BUILD_YEAR).

A value pickle cannot take apart makes the page unkeyable: it is rendered,
never guessed. A set in a value would make keys differ from run to run (its
order does): pages rendered again, never kept wrongly.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import operator
import pickle
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, meta
from pelican.contents import Content
from pelican.urlwrappers import URLWrapper
from pydantic import BaseModel

from watersite.memo import Memo, key_of
from watersite.output import PAGE_CHECKS
from watersite.plugins.contract import CATALOG, ERROR_LOG
from watersite.workers import map_in_background

#: Attributes of items not digested: the same for all items (in the salt), or
#: (`metadata`) a copy of others, as Pelican sets each entry as an attribute.
_SKIPPED_ATTRIBUTES = frozenset({"_context", "settings", "metadata"})
#: Settings no page reads: the clock (see the module docstring), the catalog
#: and error log the contract plugin keeps there for this build, and the page
#: checks (watersite/output.py).
_UNSHOWN_SETTINGS = frozenset({"BUILD_NOW", CATALOG, ERROR_LOG, PAGE_CHECKS})
_PROTOCOL = 5
#: How any other object is pickled: as pickle itself would.
_AS_USUAL = operator.methodcaller("__reduce_ex__", _PROTOCOL)


class UnkeyableError(Exception):
    """A value whose digest would be a guess."""


def _item(path: str) -> None:
    """Stands for an item inside another value's digest (never called)."""


def _tag(kind: str, name: str, slug: str) -> None:
    """Stands for a tag or category (never called)."""


def _record(kind: str | type, fields: tuple[tuple[str, Any], ...]) -> None:
    """Stands for a validated model or a plain dataclass (never called)."""


def _moment(state: bytes, zone: Any = None) -> None:
    """Stands for a date and time: date, time and fold (as pickle packs them)
    and its zone (never called)."""


def _zone(name: str) -> None:
    """Stands for a time zone of the tz database (never called)."""


class _Reducers(dict[type, Any]):
    """How values are pickled for their digest (by type; pickle consults it for
    every object that is not a number, string, list, dict, set or tuple). One
    table for all picklers: filling it per pickler cost a tenth of the keys."""

    def __missing__(self, kind: type) -> Any:
        if issubclass(kind, type):  # a class: pickle names it
            raise KeyError(kind)
        if issubclass(kind, Content):
            reducer = _reduce_item
        elif issubclass(kind, URLWrapper):
            reducer = _reduce_tag
        # Models not as usual either: their set of given fields has no stable order.
        elif issubclass(kind, BaseModel) or _plain_dataclass(kind):
            reducer = functools.partial(_reduce_record, _name_of(kind))
        elif kind is datetime:
            reducer = _reduce_moment
        elif kind is ZoneInfo:
            reducer = _reduce_zone
        else:
            reducer = _AS_USUAL
        self[kind] = reducer
        return reducer


_REDUCERS = _Reducers()
#: The items met by the pickling under way (one at a time in a process).
_met_items: list[Content] = []


def _reduce_item(item: Content) -> tuple[Any, ...]:
    _met_items.append(item)
    return _item, (item.source_path,)


def _reduce_tag(tag: URLWrapper) -> tuple[Any, ...]:
    return _tag, (type(tag).__name__, tag.name, tag.slug)


def _reduce_record(kind: str | type, record: Any) -> tuple[Any, ...]:
    return _record, (kind, tuple(vars(record).items()))


def _reduce_moment(moment: datetime) -> tuple[Any, ...]:
    state = moment.__reduce_ex__(_PROTOCOL)[1]  # (bytes,) or (bytes, zone)
    zone = state[-1]
    if type(zone) is ZoneInfo and zone.key is not None:
        return _moment, (state[0], zone.key)
    return _moment, state


def _reduce_zone(zone: ZoneInfo) -> tuple[Any, ...]:
    if zone.key is None:  # read from a file: pickle refuses it, so no key is made
        return _AS_USUAL(zone)
    return _zone, (zone.key,)


def _plain_dataclass(kind: type) -> bool:
    """A dataclass that pickle would take apart by its fields (`vars`) alone."""
    return (
        dataclasses.is_dataclass(kind)
        and not hasattr(kind, "__slots__")
        and kind.__reduce_ex__ is object.__reduce_ex__
        and kind.__reduce__ is object.__reduce__
        and kind.__getstate__ is object.__getstate__
    )


def _name_of(kind: type) -> str | type:
    """The class's importable name, or the class (which pickle names, or refuses)."""
    found: Any = sys.modules.get(kind.__module__)
    for part in kind.__qualname__.split("."):
        found = getattr(found, part, None)
    return f"{kind.__module__}:{kind.__qualname__}" if found is kind else kind


class _DigestPickler(pickle.Pickler):
    """Pickles a value with the items inside it standing in by path."""

    def __init__(self, buffer: io.BytesIO):
        super().__init__(buffer, protocol=_PROTOCOL)
        # No memo: whether two attributes share one object is not what a page
        # shows, and differs between values read afresh and values remembered.
        self.fast = True
        self.dispatch_table = _REDUCERS


class _Pickling:
    """Pickles values for their digests with one pickler, made again only after a
    value it could not pickle: making one for each value was a tenth of the time."""

    def __init__(self) -> None:
        self._fresh()

    def _fresh(self) -> None:
        self.buffer = io.BytesIO()
        self.pickler = _DigestPickler(self.buffer)

    def pickled(self, value: Any) -> tuple[bytes, list[Content]]:
        """`value` pickled with items standing in by path, and those items."""
        self.buffer.seek(0)
        self.buffer.truncate()
        _met_items.clear()
        try:
            self.pickler.dump(value)
        except (pickle.PicklingError, TypeError, AttributeError, ValueError) as error:
            self._fresh()
            raise UnkeyableError(str(error)) from error
        items = _met_items[:]
        _met_items.clear()
        return self.buffer.getvalue(), items


#: One for the process (forked workers each have their own copy).
_pickled = _Pickling().pickled


class _Digests:
    """Digests of the values of one build, each computed once."""

    def __init__(self) -> None:
        # By id: values are kept here so their ids are not reused; items live as
        # long as the build does.
        self._values: dict[int, tuple[Any, bytes]] = {}
        self._own: dict[int, tuple[bytes, list[Content]]] = {}
        self._items: dict[int, bytes] = {}

    def of(self, value: Any) -> bytes:
        """What `value` holds, with the items in it by all their attributes (`_shown`)."""
        known = self._values.get(id(value))
        if known is not None:
            return known[1]
        data, items = _pickled(value)
        digest = _digest(data, *(self._shown(item) for item in items))
        self._values[id(value)] = (value, digest)
        return digest

    def _shown(self, item: Content) -> bytes:
        """An item's own attributes and those of the items it points to."""
        known = self._items.get(id(item))
        if known is None:
            own, pointed = self._own_of(item)
            known = self._items[id(item)] = _digest(own, *(self._own_of(p)[0] for p in pointed))
        return known

    def _own_of(self, item: Content) -> tuple[bytes, list[Content]]:
        """An item's attributes, items it points to standing in by path; and those items."""
        known = self._own.get(id(item))
        if known is None:
            attributes = {k: v for k, v in vars(item).items() if k not in _SKIPPED_ATTRIBUTES}
            data, pointed = _pickled((item.url, item.save_as, attributes))
            known = self._own[id(item)] = (_digest(data), pointed)
        return known


def _digest(*parts: bytes) -> bytes:
    hasher = hashlib.blake2b(digest_size=20)
    for part in parts:
        hasher.update(len(part).to_bytes(8, "little"))
        hasher.update(part)
    return hasher.digest()


class PageKeys:
    """Keys of the page requests of one build (see the module docstring)."""

    def __init__(self) -> None:
        self.digests = _Digests()
        # template name -> (variables it reads, digest of its sources), or None if
        # a template it uses cannot be known before rendering
        self._templates: dict[str, tuple[list[str], bytes] | None] = {}
        self._files: dict[str, tuple[str, set[str], list[str | None]]] = {}
        # Jinja's analysis of a template source (it compiles the source), by name and
        # source: (variables read, templates used)
        self._analysed: dict[str, tuple[set[str], list[str | None]]] = {}
        self._analysed_now: dict[str, tuple[set[str], list[str | None]]] = {}

    def key(
        self, template: Any, arguments: Any, variables: dict[str, Any], context: dict[str, Any]
    ) -> str | None:
        """The key of rendering `template` with the request's `variables` over `context`
        and `arguments` (the writer's, such as the file name); None if it cannot be known."""
        reads = self._reads(template)
        if reads is None:
            return None
        names, sources = reads
        try:
            parts = [sources, _pickled(arguments)[0]]
            parts += [
                self.digests.of(variables.get(name, context.get(name, _Missing))) for name in names
            ]
        except UnkeyableError:
            return None
        return _digest(*parts).hex()

    def learn_templates(self, templates: Iterable[Any], cache: Path | None) -> None:
        """Find what each template reads now, before render workers fork (each would
        analyse them all again); the analysis of a source is remembered in `cache`."""
        memo: Memo[tuple[set[str], list[str | None]]] = Memo(cache, "template-reads", "")
        self._analysed = memo.last
        for template in {id(t): t for t in templates}.values():
            self._reads(template)
        memo.save(self._analysed_now)

    def learn_items(self, items: list[Content], workers: int | None) -> Callable[[], None]:
        """Start digesting each item's own attributes in workers forked now (`workers`
        as in watersite.workers); call what is returned to take the digests in (it
        waits). Render workers would each digest almost every item, as neighbours
        and related items fall to both."""
        number_of = {id(item): number for number, item in enumerate(items)}

        def own(number: int) -> tuple[bytes, list[int | None]] | None:
            try:
                digest, pointed = self.digests._own_of(items[number])
            except UnkeyableError:
                return None
            return digest, [number_of.get(id(other)) for other in pointed]

        learning = map_in_background(own, range(len(items)), workers)

        def take_in() -> None:
            for item, learnt in zip(items, learning(), strict=True):
                if learnt is not None and None not in learnt[1]:
                    pointed = [items[number] for number in learnt[1] if number is not None]
                    self.digests._own[id(item)] = (learnt[0], pointed)

        return take_in

    def _reads(self, template: Any) -> tuple[list[str], bytes] | None:
        """The variables `template` and the templates it uses read, and their sources'
        digest; None for a template made from a string or one that picks others while
        rendering."""
        if template.name is None:
            return None
        if template.name not in self._templates:
            variables: set[str] = set()
            sources = []
            pending, seen = [template.name], set()
            while pending:
                name = pending.pop()
                if name not in seen:
                    seen.add(name)
                    source, reads, uses = self._file(template.environment, name)
                    sources.append(f"{len(name)}:{name}{len(source)}:{source}".encode())
                    variables |= reads
                    pending += uses
            self._templates[template.name] = (
                None if None in seen else (sorted(variables), _digest(*sources))
            )
        return self._templates[template.name]

    def _file(
        self, environment: Environment, name: str | None
    ) -> tuple[str, set[str], list[str | None]]:
        """One template file's source, the variables it reads and the templates it uses
        (None: one chosen while rendering)."""
        if name is None:
            return "", set(), []
        if name not in self._files:
            source, _, _ = environment.loader.get_source(environment, name)
            key = key_of(name, source)
            analysed = self._analysed.get(key)
            if analysed is None:
                tree = environment.parse(source)
                analysed = (
                    meta.find_undeclared_variables(tree),
                    list(meta.find_referenced_templates(tree)),
                )
            self._analysed_now[key] = analysed
            self._files[name] = (source, *analysed)
        return self._files[name]


class _Missing:
    """A variable the context does not have (Jinja renders it as undefined)."""


def shared_inputs(settings: dict[str, Any]) -> str:
    """The digest of the settings every page depends on (the render memo's salt)."""
    shown = {name: value for name, value in settings.items() if name not in _UNSHOWN_SETTINGS}
    return _Digests().of(shown).hex()
