"""Field types read one unambiguous spelling; YAML never guesses types."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import PurePosixPath

import pytest

from watersite.clock import SITE_TIMEZONE
from watersite.errors import ContentFileError
from watersite.frontmatter import decode, parse
from watersite.schema import validate
from watersite.schema.models import Article, Tender
from watersite.schema.types import parse_datetime, parse_money


def front(text: str) -> str:
    return f"---\n{text.strip()}\n---\n正文\n"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=SITE_TIMEZONE)),
        ("2024-05-01 09:30", datetime(2024, 5, 1, 9, 30, tzinfo=SITE_TIMEZONE)),
        (" 2024-12-31 23:59 ", datetime(2024, 12, 31, 23, 59, tzinfo=SITE_TIMEZONE)),
    ],
)
def test_dates_in_the_two_documented_forms_are_read_in_beijing_time(
    written: str, expected: datetime
) -> None:
    assert parse_datetime(written) == expected


@pytest.mark.parametrize(
    "written",
    [
        "2024",
        "May 1",
        "01/05/2024",
        "2024/05/01",
        "2024-5-1",
        "10:00",
        "2024-05-01T09:30",
        "2024-02-30",
    ],
)
def test_every_other_date_form_is_refused(written: str) -> None:
    with pytest.raises(Exception, match=r"valid date|does not exist"):
        parse_datetime(written)


def test_yaml_values_stay_text_until_the_schema_reads_them() -> None:
    document = parse(front("title: no\ndate: 2024-05-01\nslug: 0128\nsummary: 01:30"), "x.md")
    assert document.data == {
        "title": "no",
        "date": "2024-05-01",
        "slug": "0128",
        "summary": "01:30",
    }
    article, errors = validate(Article, document, "x.md", None, PurePosixPath("."))
    assert not errors and article is not None
    assert article.title == "no" and article.slug == "0128" and article.summary == "01:30"


def test_field_lines_are_known_for_nested_values() -> None:
    document = parse(front("title: t\nattachments:\n  - file: a.pdf\n    title: 附件"), "x.md")
    assert document.line_of(("title",)) == 2
    assert document.line_of(("attachments", 0, "file")) == 4
    assert document.line_of(("attachments", 0, "title")) == 5


def test_byte_order_mark_is_accepted() -> None:
    assert decode("\ufeff---\n".encode(), "x.md") == "---\n"


def test_gbk_bytes_are_refused_with_the_line() -> None:
    with pytest.raises(ContentFileError) as raised:
        decode("---\ntitle: 停水\n".encode("gbk"), "x.md")
    assert raised.value.errors[0].line == 2


def test_money_is_plain_yuan() -> None:
    assert parse_money("1250000") == Decimal("1250000")
    assert parse_money("3980.50") == Decimal("3980.50")
    for bad in ("1,250,000", "125万", "3980.505", "-1"):
        with pytest.raises(Exception, match="not a valid amount"):
            parse_money(bad)


def test_tender_rules_name_their_field() -> None:
    document = parse(
        front(
            "title: t\ndate: 2024-05-01\nnotice: 中标候选人公示\nproject_no: P-1\n"
            "publicity_end: 2024-05-02"
        ),
        "t.md",
    )
    tender, errors = validate(Tender, document, "t.md", None, PurePosixPath("."))
    assert tender is None
    assert [(e.field, e.line) for e in errors] == [("publicity_end", 6)]
    assert "公示期不得少于 3 天" in errors[0].zh


def test_gbk_that_happens_to_be_valid_utf8_is_refused() -> None:
    raw = "---\ntitle: 停水\n".encode("gbk")
    raw.decode("utf-8")  # it really is valid UTF-8
    with pytest.raises(ContentFileError) as raised:
        decode(raw, "x.md")
    assert "UTF-8" in raised.value.errors[0].zh


def test_real_utf8_with_symbols_is_accepted() -> None:
    text = "---\ntitle: 水温 25°C ± 2，管径 Φ300，α 系数\n"
    assert decode(text.encode(), "x.md") == text


def test_multi_line_text_fields_have_no_breaks_between_chinese_characters() -> None:
    document = parse(
        front(
            "title: t\ndate: 2024-05-01\nsummary: |\n  第一行写到一半\n  接着第二行。\n  Then English\n  words."
        ),
        "x.md",
    )
    article, errors = validate(Article, document, "x.md", None, PurePosixPath("."))
    assert not errors and article is not None
    assert article.summary == "第一行写到一半接着第二行。\nThen English\nwords."


def test_control_characters_in_fields_are_refused() -> None:
    document = parse(front('title: "停水\\x0e通知"\ndate: 2024-05-01'), "x.md")
    article, errors = validate(Article, document, "x.md", None, PurePosixPath("."))
    assert article is None and errors[0].field == "title" and "控制字符" in errors[0].zh
