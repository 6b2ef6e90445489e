"""The content schema: which model each section kind uses, and validation that
turns every problem into a bilingual ContentError with file, line and field."""

from __future__ import annotations

import difflib
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from watersite.errors import ContentError, ContentErrors, ContentFileError
from watersite.frontmatter import Document as ParsedFile
from watersite.frontmatter import decode, load_yaml_file
from watersite.schema import models
from watersite.sections import Kind

M = TypeVar("M", bound=BaseModel)

MODEL_BY_KIND: dict[Kind, type[models.Strict]] = {
    Kind.PAGE: models.Page,
    Kind.SERVICE_LINK: models.Page,
    Kind.CHANNELS: models.Page,
    Kind.ARTICLES: models.Article,
    Kind.PAPER: models.PaperIssue,
    Kind.TOPICS: models.Topic,
    Kind.OUTAGES: models.Outage,
    Kind.GUIDES: models.Guide,
    Kind.DOCUMENTS: models.Document,
    Kind.TENDERS: models.Tender,
    Kind.JOBS: models.Job,
}

#: Pelican settings that content could use to override where or how it is
#: written. Our URLs and templates come from the folder, never from content.
OVERRIDE_FIELDS = {
    "save_as": "保存位置",
    "url": "网址",
    "template": "模板",
    "category": "分类",
    "lang": "语言",
    "translation": "翻译",
    "path": "路径",
}


def validate(
    model: type[M],
    parsed: ParsedFile,
    path: str,
    content_root: Path | None,
    source_dir: PurePosixPath,
) -> tuple[M | None, list[ContentError]]:
    """Validate front matter against `model`; return the instance or the problems."""
    errors = _override_errors(parsed, path)
    data = {k: v for k, v in parsed.data.items() if k not in OVERRIDE_FIELDS}
    context = {"content_root": content_root, "source_dir": source_dir}
    try:
        instance = model.model_validate(data, context=context)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            errors.append(_to_content_error(error, model, parsed, path))
        return None, errors
    for field, zh, en in getattr(instance, "rules", lambda: ())():
        # A rule names a top-level field, or the path to a nested one.
        loc = field if isinstance(field, tuple) else (field,)
        label = _label(model, loc)
        errors.append(
            ContentError(path, parsed.line_of(loc), _field_name(loc), f"{label}：{zh}", en)
        )
    return (None, errors) if errors else (instance, [])


def load_config(path: Path, model: type[M]) -> M:
    """Read and validate a YAML configuration file; raise ContentErrors on problems."""
    shown = path.name
    try:
        parsed = load_yaml_file(decode(path.read_bytes(), shown), shown)
    except ContentFileError as group:
        raise ContentErrors(group.errors) from None
    instance, errors = validate(model, parsed, shown, None, PurePosixPath("."))
    if errors:
        raise ContentErrors(errors)
    assert instance is not None
    return instance


def _override_errors(parsed: ParsedFile, path: str) -> list[ContentError]:
    return [
        ContentError(
            path,
            parsed.line_of((key,)),
            key,
            f"不允许在内容中设置{OVERRIDE_FIELDS[key]}（{key}）：网址、模板和栏目由文件所在的"
            "文件夹决定。请删除这一行；要换栏目就把文件移到对应文件夹。",
            f"Content may not set '{key}': the folder decides the URL, template and "
            "section. Delete this line; move the file to change its section.",
        )
        for key in parsed.data
        if key in OVERRIDE_FIELDS
    ]


def _label(model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    """Chinese name of the field at `loc`, following nested models."""
    current: Any = model
    label = str(loc[-1]) if loc else ""
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", {})
        if part not in fields:
            return label
        info = fields[part]
        label = info.title or part
        current = _nested_model(info.annotation)
    return label


def _nested_model(annotation: Any) -> Any:
    """The model inside `list[Model]` or `Model | None`, if any."""
    for arg in getattr(annotation, "__args__", ()) or ():
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        inner = _nested_model(arg)
        if inner is not None:
            return inner
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _field_name(loc: tuple[str | int, ...]) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else part)
    return name


def _to_content_error(
    error: dict[str, Any], model: type[BaseModel], parsed: ParsedFile, path: str
) -> ContentError:
    # Pydantic adds the validator's name to loc for Annotated unions; drop it.
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
    field = _field_name(loc)
    label = _label(model, loc)
    line = parsed.line_of(loc)
    kind = error["type"]
    ctx = error.get("ctx", {})
    if kind == "content":
        zh, en = ctx["zh"], ctx["en"]
    elif kind == "missing":
        zh = f"缺少必填字段 {loc[-1]}（{label}）。请在 front matter 中加上一行“{loc[-1]}: …”。"
        en = f"Required field '{loc[-1]}' is missing; add a line '{loc[-1]}: ...'."
        line = parsed.line_of(loc[:-1]) if len(loc) > 1 else 0
    elif kind == "extra_forbidden":
        zh, en = _unknown_field(loc, model)
    elif kind == "literal_error":
        zh = f"“{error['input']}”不是允许的值。只能是：{ctx['expected']}。"
        en = f"'{error['input']}' is not allowed; use one of: {ctx['expected']}."
    elif kind == "list_type":
        zh = "应为列表：每项单独一行，以“- ”开头。"
        en = "Expected a list: one item per line, each starting with '- '."
    elif kind in ("model_type", "dict_type", "model_attributes_type"):
        zh = "应为一组“子字段: 值”（缩进写在下一行）。"
        en = "Expected a group of 'field: value' lines, indented below."
    elif kind == "too_short":
        zh, en = "不能为空，至少写一项。", "Must not be empty; give at least one item."
    else:  # pragma: no cover - every type our schema can raise is mapped above
        zh = f"值无效：{error['msg']}"
        en = f"Invalid value: {error['msg']}"
    prefix = f"{label}：" if label and kind not in ("missing", "extra_forbidden") else ""
    return ContentError(path, line, field, prefix + zh, en)


def _unknown_field(loc: tuple[str | int, ...], model: type[BaseModel]) -> tuple[str, str]:
    name = str(loc[-1])
    parent = model
    for part in loc[:-1]:
        if isinstance(part, str):
            parent = _nested_model(parent.model_fields[part].annotation) or parent
    known = list(parent.model_fields)
    guess = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.6)
    if guess:
        return (
            f"不认识的字段 {name}。是不是要写 {guess[0]}（{parent.model_fields[guess[0]].title}）？",
            f"Unknown field '{name}'. Did you mean '{guess[0]}'?",
        )
    return (
        f"不认识的字段 {name}。这类内容可用的字段：{'、'.join(known)}。请检查拼写或删除这一行。",
        f"Unknown field '{name}'. Fields for this content: {', '.join(known)}.",
    )
