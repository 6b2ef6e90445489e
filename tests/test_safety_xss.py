"""Script injection: whatever editors commit, no script-capable construct reaches
a page. Vectors go into the Markdown body and into every plain-text field; each
either fails the build with a clear message or comes out as harmless text."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXED_NOW, build_into
from watersite.build import check
from watersite.errors import ContentErrors

VECTORS = Path(__file__).parent / "fixtures" / "xss"
OWN_SCRIPT = re.compile(r"/theme/(site|head|search)\.[0-9a-f]{12}\.js")
SAFE_SCHEMES = {"", "http", "https", "mailto", "tel"}
FORBIDDEN_ELEMENTS = [
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "base",
    "math",
    "foreignobject",
]


def load_vectors(name: str) -> list[str]:
    lines = (VECTORS / name).read_text(encoding="utf-8").splitlines()
    return [line.replace("\\n", "\n") for line in lines if line and not line.startswith("#")]


HTML_VECTORS = load_vectors("html-vectors.txt")
MARKDOWN_VECTORS = load_vectors("markdown-vectors.txt")


def assert_no_script_capable_construct(html: str, where: str) -> None:
    """The page has no script but the theme's, no handler, style, frame or bad URL."""
    soup = BeautifulSoup(html, "html.parser")
    for script in soup.find_all("script"):
        assert OWN_SCRIPT.fullmatch(script.get("src", "")) and not script.string, where
    for form in soup.find_all("form"):
        assert (form.get("role"), form.get("action")) == ("search", "/search/"), where
    for field in soup.find_all(["input", "button", "select", "textarea"]):
        assert field.find_parent("form", role="search"), (
            f"<{field.name}> outside the search form in {where}"
        )
    for name in FORBIDDEN_ELEMENTS:
        assert not soup.find_all(name), f"<{name}> in {where}"
    assert not soup.find_all("meta", attrs={"http-equiv": True}), where
    for element in soup.find_all(True):
        for attribute, value in element.attrs.items():
            assert not attribute.lower().startswith("on"), f"{attribute} in {where}"
            assert attribute.lower() not in ("style", "hidden", "background", "dynsrc", "lowsrc"), (
                where
            )
            if attribute in ("href", "src", "action", "formaction", "data"):
                assert urlsplit(value.strip()).scheme.lower() in SAFE_SCHEMES, f"{value} in {where}"
            if attribute == "srcset":
                for candidate in value.split(","):
                    assert urlsplit(candidate.split()[0]).scheme in SAFE_SCHEMES, where


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def write_items(content: Path, vectors: list[str]) -> None:
    """One item of each kind per vector, with the vector in every text field;
    single pages (one file each) carry the vectors in turn."""
    pages = ["contact.md", "about/profile.md", "service/commitment.md", "service/pay.md"]
    for number, vector in enumerate(vectors):
        v = quoted(vector.replace("\n", " "))
        body = f"正文开头。\n\n{vector}\n\n正文结尾。\n"
        (content / pages[number % len(pages)]).write_text(
            f"---\ntitle: {v}\nsummary: {v}\n---\n{body}", encoding="utf-8"
        )
        (content / f"news/group/2024/xss-{number}.md").write_text(
            f"---\ntitle: {v}\ndate: 2024-02-01\nsummary: {v}\nsource: {v}\nauthor: {v}\n"
            f"tags:\n  - {v}\nattachments:\n  - file: report.pdf\n    title: {v}\n---\n{body}",
            encoding="utf-8",
        )
        (content / f"notices/outages/2024/xss-{number}.md").write_text(
            f"---\ntitle: {v}\ndate: 2024-02-01\nkind: 临时停水\nstart: 2024-02-02 08:00\n"
            f"end: 2024-02-02 18:00\nareas:\n  - {v}\nreason: {v}\n---\n{body}",
            encoding="utf-8",
        )
        (content / f"tenders/works/2024/xss-{number}.md").write_text(
            f"---\ntitle: {v}\ndate: 2024-02-01\nnotice: 更正公告\nproject_no: {v}\n"
            f"agency:\n  name: {v}\n  contact: {v}\n---\n{body}",
            encoding="utf-8",
        )
        (content / f"library/laws/2024/xss-{number}.md").write_text(
            f"---\ntitle: {v}\ndate: 2024-02-01\nissuer: {v}\ndoc_no: {v}\n---\n{body}",
            encoding="utf-8",
        )
        (content / f"jobs/2024/xss-{number}.md").write_text(
            f"---\ntitle: {v}\ndate: 2024-02-01\ndeadline: 2024-03-01\npositions:\n"
            f"  - name: {v}\n    count: 1\n    requirements: {v}\napply: {v}\n---\n{body}",
            encoding="utf-8",
        )
        (content / f"service/guides/2024/xss-{number}.md").write_text(
            f"---\ntitle: {v}\ndate: 2024-02-01\nmaterials:\n  - {v}\nsteps:\n  - {v}\n"
            f"time_limit: {v}\nfees: {v}\nchannels:\n  - {v}\n---\n{body}",
            encoding="utf-8",
        )
        (content / f"news/paper/2024/xss-{number}.md").write_text(
            f"---\ntitle: {v}\ndate: 2024-02-01\nissue: {v}\npdf: issue-128.pdf\n---\n{body}",
            encoding="utf-8",
        )
        (content / f"tenders/goods/2024/xss-{number}.md").write_text(
            f"---\ntitle: {v}\ndate: 2024-02-01\nnotice: 招标公告\nproject_no: X-{number}\n"
            f"method: 询价\ndeadline: 2024-03-01\nshort_deadline_reason: {v}\n"
            f"contact:\n  name: {v}\n  phone: 0123-88880001\n---\n{body}",
            encoding="utf-8",
        )
        (content / f"news/topics/xss-{number}.md").write_text(
            f"---\ntitle: {v}\ntag: {quoted('专题' + str(number) + vector.replace(chr(10), ' '))}\n"
            f"summary: {v}\n---\n{body}",
            encoding="utf-8",
        )


def split_by_check(content: Path, vectors: list[str]) -> tuple[list[str], list[str]]:
    """Vectors the checks refuse (with a message) and those they accept."""
    refused, accepted = [], []
    trial = content.parent / "trial"
    for vector in vectors:
        shutil.rmtree(trial, ignore_errors=True)
        shutil.copytree(content, trial)
        write_items(trial, [vector])
        try:
            check(trial, FIXED_NOW)
        except ContentErrors as problems:
            assert problems.errors and all(e.path and e.zh and e.en for e in problems.errors)
            refused.append(vector)
        else:
            accepted.append(vector)
    return refused, accepted


@pytest.mark.parametrize("vectors", ["html", "markdown"])
def test_injection_vectors_never_reach_a_page(
    vectors: str, content_copy: Path, tmp_path: Path
) -> None:
    chosen = HTML_VECTORS if vectors == "html" else MARKDOWN_VECTORS
    for folder in ("library/laws/2024", "jobs/2024", "service/guides/2024", "tenders/goods/2024"):
        (content_copy / folder).mkdir(parents=True, exist_ok=True)
    refused, accepted = split_by_check(content_copy, chosen)
    write_items(content_copy, accepted)
    output = build_into(content_copy, tmp_path / "out")
    for page in output.rglob("*.html"):
        assert_no_script_capable_construct(page.read_text(encoding="utf-8"), str(page))
    for number, vector in enumerate(accepted):
        soup = BeautifulSoup(
            (output / f"news/group/2024/xss-{number}/index.html").read_text(encoding="utf-8"),
            "html.parser",
        )
        # Plain-text fields are shown as the very text the editor wrote.
        assert soup.h1.get_text() == vector.replace("\n", " ").strip()
        assert (
            soup.find("meta", attrs={"name": "description"})["content"]
            == vector.replace("\n", " ").strip()
        )
    if vectors == "html":
        assert len(accepted) > len(chosen) * 0.8, "raw HTML is shown as text, not refused wholesale"
    else:
        assert refused, "Markdown links to script URLs or unknown hosts are refused"


def test_refused_markdown_links_name_file_and_problem(content_copy: Path) -> None:
    (content_copy / "news/group/2024/bad-link.md").write_text(
        "---\ntitle: 链接\ndate: 2024-02-01\n---\n第一段。\n\n[点我](javascript:alert(1))\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentErrors) as raised:
        check(content_copy, FIXED_NOW)
    error = raised.value.errors[0]
    assert error.path.endswith("news/group/2024/bad-link.md") and error.line == 7
    assert "不允许的协议" in error.zh


TOKENS = [
    *"<>\"'&=/:;()[]!#`\\ \nabcjsvx停水通知",
    *("script", "javascript:", "onerror", "style", "iframe", "img", "src", "href", "&#", "data:"),
]
TEXT = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=TEXT.filter(lambda t: t.strip() and "\n" not in t), body=TEXT)
def test_any_text_is_either_refused_or_harmless(
    title: str, body: str, content_copy: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    article = content_copy / "news/group/2024/random.md"
    article.write_text(
        f"---\ntitle: {quoted(title)}\ndate: 2024-02-01\n---\n{body}\n", encoding="utf-8"
    )
    try:
        output = build_into(content_copy, tmp_path_factory.mktemp("random"))
    except ContentErrors as problems:
        assert all(e.path and e.zh and e.en for e in problems.errors)
        return
    html = (output / "news/group/2024/random/index.html").read_text(encoding="utf-8")
    assert_no_script_capable_construct(html, "random")
    assert BeautifulSoup(html, "html.parser").h1.get_text() == title.strip()
