"""Public services and data pages: water-quality report with GB 5749-2022
limits and CSV, price table and bills, searchable materials, outlets with map
links, QR codes of external services, validation of every data file."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import segno
from bs4 import BeautifulSoup
from PIL import Image

from tests.conftest import DEMO_CONTENT, DEMO_NOW, FIXED_NOW, FIXTURE_CONTENT, tree_digests
from watersite.build import build, check, load_settings
from watersite.errors import ContentErrors
from watersite.plugins import section_pages
from watersite.waterquality import GB5749_2022, UnreadableValueError, limit_of, passes

HtmlPage = Callable[[str], BeautifulSoup]


# --- water quality ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("indicator", "sample", "value", "expected"),
    [
        ("浑浊度", "出厂水", "0.12", True),
        ("浑浊度", "管网水", "1.3", False),
        ("浑浊度", "出厂水", "1", True),  # the limit itself passes
        ("pH", "出厂水", "6.4", False),
        ("pH", "出厂水", "8.5", True),
        ("总大肠菌群", "管网水", "未检出", True),
        ("总大肠菌群", "管网水", "<1", True),
        ("总大肠菌群", "管网水", "2", False),
        ("游离氯", "出厂水", "0.25", False),  # below the 0.3 residual an outlet needs
        ("游离氯", "管网水", "0.25", True),
        ("游离氯", "管网水", "<0.05", False),  # cannot prove the 0.05 residual
        ("游离氯", "出厂水", "2.1", False),
        ("铁", "管网水", "<0.05", True),
        ("臭和味", "出厂水", "无异臭、异味", True),
        ("臭和味", "出厂水", "有氯味", False),
    ],
)
def test_values_are_judged_by_gb5749_2022(
    indicator: str, sample: str, value: str, expected: bool
) -> None:
    assert passes(limit_of(indicator, sample), value) is expected


def test_unreadable_values_are_refused() -> None:
    for value in ("约0.1", "0.1mg/L", "合格", ""):
        with pytest.raises(UnreadableValueError):
            passes(limit_of("浑浊度", "出厂水"), value)


def test_water_quality_page_shows_limits_flags_and_csv(
    html_page: HtmlPage, fixture_site: Path
) -> None:
    soup = html_page("/service/water-quality/")
    tables = soup.select("table.sw-quality")
    assert [t.caption.text for t in tables] == ["城东水厂（出厂水）", "管网水（管网水）"]
    mains = {
        row.th.text: [td.get_text(strip=True) for td in row.find_all("td")]
        for row in tables[1].select("tbody tr")
    }
    assert mains["浑浊度"] == ["NTU", "≤1", "1.3", "不合格"]
    assert mains["游离氯"] == ["mg/L", "0.05～2", "0.04", "不合格"]
    download = soup.select_one(".sw-downloads__link")
    assert download["href"] == "/service/water-quality/water-quality.csv"
    raw = (fixture_site / "service/water-quality/water-quality.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "a byte-order mark so that Excel reads Chinese"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [
        "检测时段",
        "监测点",
        "水样类型",
        "指标",
        "单位",
        "GB 5749-2022 限值",
        "检测值",
        "是否合格",
    ]
    assert ["2024 年 5 月", "城东水厂", "出厂水", "浑浊度", "NTU", "≤1", "0.10", "合格"] in rows
    assert len(rows) == 1 + 3 + 2


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            '      浑浊度: "0.10"',
            '      浊度: "0.10"',
            "reports[0].indicators.浊度",
            "不是 GB 5749-2022 常规指标",
        ),
        (
            '      浑浊度: "0.10"',
            '      浑浊度: "0.1 NTU"',
            "reports[0].indicators.浑浊度",
            "无法识别",
        ),
        ("    sample: 出厂水", "    sample: 自来水", "reports[0].sample", "不是允许的值"),
        ("published: 2024-06-01", "published: 6月1日", "published", "不是有效的日期"),
    ],
)
def test_water_quality_data_errors_name_the_field(
    old: str, new: str, field: str, message: str, content_copy: Path
) -> None:
    data = content_copy / "data/water-quality.yml"
    data.write_text(data.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(ContentErrors) as raised:
        check(content_copy, FIXED_NOW)
    error = raised.value.errors[0]
    assert (error.field, error.path.endswith("data/water-quality.yml")) == (field, True)
    assert message in error.zh and error.line > 0


def test_every_indicator_has_a_unit_and_limit_text() -> None:
    for name, limit in GB5749_2022.items():
        for each in limit.values() if isinstance(limit, dict) else [limit]:
            assert each.unit and each.text, name


# --- prices and bills --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("volume", "total"),
    [
        # Fixture tiers: up to 216 m³ at 3.45 元, above at 4.50 元 (hand-computed).
        ("0", "0.00"),
        ("100", "345.00"),  # 100 x 3.45
        ("216", "745.20"),  # 216 x 3.45
        ("300", "1123.20"),  # 745.20 + 84 x 4.50
        ("250.5", "900.45"),  # 745.20 + 34.5 x 4.50
        ("10.01", "34.53"),  # 34.5345 rounds half up to the fen
    ],
)
def test_bills_match_hand_computed_amounts(volume: str, total: str) -> None:
    table = check(FIXTURE_CONTENT, FIXED_NOW).data["prices"]
    assert table.bill(Decimal(volume)).total == Decimal(total)


def test_household_size_raises_every_tier_limit() -> None:
    table = check(DEMO_CONTENT, DEMO_NOW).data["prices"]  # demo: +43 m³ per person above 4
    assert table.bill(Decimal(300)).total == Decimal("1255.80")  # 216 x 3.85 + 84 x 5.05
    assert table.bill(Decimal(300), persons=6).total == Decimal("1155.00")  # 300 x 3.85: limit 302


def test_price_page_gives_the_calculator_its_data_and_a_worked_example(html_page: HtmlPage) -> None:
    soup = html_page("/service/prices/")
    rows = soup.select("tr[data-price]")
    assert [(r["data-up-to"], r["data-price"]) for r in rows] == [("216", "3.45"), ("", "4.50")]
    example = soup.select_one(".sw-calculator__example").get_text(" ", strip=True)
    assert "第一阶梯：216 立方米 × 3.45 元 = 745.20 元" in example
    assert "第二阶梯：44 立方米 × 4.50 元 = 198.00 元" in example and "合计 943.20 元" in example


# --- materials, outlets, external services -------------------------------------------------------


def test_materials_table_is_searchable(html_page: HtmlPage) -> None:
    soup = html_page("/service/materials/")
    scope = soup.select_one("[data-filter-scope]")
    assert scope["data-filter-text"].startswith("name:")
    assert scope.select_one("tr[data-filter-name]")["data-filter-name"] == "水表 DN20"


def test_outlets_have_tel_and_map_links(html_page: HtmlPage) -> None:
    card = html_page("/service/outlets/").select_one(".sw-cards__item")
    map_link = card.find("a", string="在地图中打开（导航）")["href"]
    parts = urlsplit(map_link)
    assert parts.netloc == "uri.amap.com"
    assert parse_qs(parts.query)["keyword"] == ["青澜市滨江区临澜大道 188 号"]
    assert card.find("a", href="tel:012396889")


def test_service_page_qr_code_encodes_the_configured_link(
    html_page: HtmlPage, fixture_site: Path
) -> None:
    image = html_page("/service/pay/").select_one(".sw-service-card__qr img")
    assert image["alt"] == "进入网上缴费的二维码"
    with Image.open(fixture_site / image["src"].lstrip("/")) as png:
        assert png.size == (int(image["width"]), int(image["height"]))
        pixels = png.convert("L")
        expected = segno.make("https://pay.qinglan-water.example/pay", error="m", micro=False)
        scale, border = 6, 2
        for y, row in enumerate(expected.matrix):
            for x, dark in enumerate(row):
                centre = ((x + border) * scale + scale // 2, (y + border) * scale + scale // 2)
                assert (pixels.getpixel(centre) < 128) == bool(dark), (x, y)


def test_a_rebuild_uses_the_qr_codes_the_last_build_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []
    qr_code = section_pages.qr_code

    def spy(link: str, published_at: str) -> section_pages.QrImage:
        made.append(link)
        return qr_code(link, published_at)

    monkeypatch.setattr(section_pages, "qr_code", spy)
    settings = load_settings(content=FIXTURE_CONTENT, output=tmp_path / "output", now=FIXED_NOW)
    settings["WATERSITE_CACHE_DIR"] = str(tmp_path / "cache")
    build(settings)
    first = tree_digests(tmp_path / "output" / "service")
    assert "https://pay.qinglan-water.example/pay" in made
    made.clear()
    build(settings)
    assert made == [], "the same links: the codes made last time"
    assert tree_digests(tmp_path / "output" / "service") == first


@pytest.mark.parametrize(
    ("name", "old", "new", "field"),
    [
        ("prices.yml", 'supply: "3.15"', "supply: 贵", "residential[1].supply"),
        ("materials.yml", 'price: "180.00"', "price: 180元", "items[0].price"),
        ("outlets.yml", "phone: 0123-96889", "phone: 打电话", "outlets[0].phone"),
    ],
)
def test_data_file_errors_name_file_and_field(
    name: str, old: str, new: str, field: str, content_copy: Path
) -> None:
    data = content_copy / "data" / name
    data.write_text(data.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(ContentErrors) as raised:
        check(content_copy, FIXED_NOW)
    assert any(e.field == field and e.path.endswith(f"data/{name}") for e in raised.value.errors)
