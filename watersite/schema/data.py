"""Models of the data tables in content/data/*.yml (水价标准, 给水材料售价, 营业网点).

They are validated with the same bilingual errors as front matter, and their
documentation for editors is generated from these models too.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from pydantic import BeforeValidator, Field

from watersite.schema.models import Rule, Strict
from watersite.schema.types import (
    Count,
    Date,
    Format,
    LongText,
    Money,
    Phone,
    Text,
    Title,
    Volume,
    problem,
    single_line,
)
from watersite.waterquality import GB5749_2022, SAMPLE_TYPES, UnreadableValueError, limit_of, passes


class _Price(Strict):
    """The three parts of a water price per cubic metre."""

    supply: Money = Field(title="供水价格", description="元/立方米")
    resource_fee: Money = Field(title="水资源费", description="元/立方米")
    sewage: Money = Field(title="污水处理费", description="元/立方米")

    @property
    def total(self) -> Decimal:
        """综合水价: what a cubic metre costs in all."""
        return self.supply + self.resource_fee + self.sewage


class ResidentialTier(_Price):
    """One tier of the residential price ladder (居民阶梯水价)."""

    name: Text = Field(title="阶梯", description="例如：第一阶梯")
    up_to: Volume | None = Field(
        None,
        title="年用水量上限（立方米）",
        description="本阶梯年用水量上限；最后一级不写",
    )


class CategoryPrice(_Price):
    """Price of a non-residential category (非居民、特种用水 ...)."""

    category: Text = Field(title="用水类别", description="例如：非居民用水")


@dataclass(frozen=True)
class PriceBand:
    """A residential tier with the annual volumes it covers."""

    tier: ResidentialTier
    lower: Decimal
    upper: Decimal | None

    @property
    def range_text(self) -> str:
        """The band as shown in the price table, e.g. 216–300."""
        if self.upper is None:
            return f"{self.lower} 以上"
        if self.lower == 0:
            return f"{self.upper} 及以下"
        return f"{self.lower}–{self.upper}"


class PriceTable(Strict):
    """content/data/prices.yml — 水价标准."""

    title: Title = Field(title="标题", description="页面标题")
    effective: Date = Field(title="执行日期", description="现行水价的执行日期")
    doc_no: Text = Field(title="价格文件文号", description="核定水价的文件文号")
    intro: LongText | None = Field(None, title="说明", description="表格上方的说明")
    residential: list[ResidentialTier] = Field(
        min_length=1, title="居民阶梯水价", description="从第一阶梯开始，每级一项"
    )
    non_residential: list[CategoryPrice] = Field(
        [], title="非居民水价", description="每个用水类别一项"
    )
    notes: list[LongText] = Field([], title="备注", description="表格下方的备注，每条一项")
    base_persons: Count | None = Field(
        None,
        title="基数人口",
        description="阶梯水量按此人数核定，例如 4（与 extra_per_person 一起写）",
    )
    extra_per_person: Volume | None = Field(
        None,
        title="每增一人增加水量（立方米）",
        description="超过基数人口的家庭，每多一人各阶梯上限增加的水量",
    )
    example_volume: Volume = Field(
        Decimal(260),
        title="计算示例水量（立方米）",
        description="页面上“计算示例”用的年用水量，默认 260",
    )

    def bands(self) -> list[PriceBand]:
        """The residential tiers with the volumes each covers, lowest first."""
        bands, lower = [], Decimal(0)
        for tier in self.residential:
            bands.append(PriceBand(tier, lower, tier.up_to))
            lower = tier.up_to or lower
        return bands

    def bill(self, volume: Decimal, persons: int | None = None) -> Bill:
        """The annual residential bill for `volume` m³, tier by tier.

        Amounts are exact until the end, then rounded half up to the fen, as
        the browser calculator does (theme/assets/js/5-calculator.js)."""
        extra = Decimal(0)
        if persons and self.base_persons and self.extra_per_person and persons > self.base_persons:
            extra = self.extra_per_person * (persons - self.base_persons)
        lines, lower = [], Decimal(0)
        for band in self.bands():
            upper = None if band.upper is None else band.upper + extra
            used = max(Decimal(0), (volume if upper is None else min(volume, upper)) - lower)
            if used > 0:
                lines.append(
                    BillLine(band.tier.name, used, band.tier.total, _fen(used * band.tier.total))
                )
            if upper is None:
                break
            lower = upper
        total = _fen(sum((line.volume * line.price for line in lines), Decimal(0)))
        return Bill(volume, lines, total)

    def rules(self) -> Iterator[Rule]:
        if (self.base_persons is None) != (self.extra_per_person is None):
            yield (
                "extra_per_person",
                "base_persons 和 extra_per_person 要一起写。",
                "Give both or neither.",
            )
        limits = [tier.up_to for tier in self.residential]
        if limits[-1] is not None:
            yield (
                "residential",
                "最后一级阶梯不应写 up_to（它没有上限）。",
                "The last tier must not have 'up_to'.",
            )
        bounded = limits[:-1]
        if any(limit is None for limit in bounded) or bounded != sorted(set(bounded)):
            yield (
                "residential",
                "除最后一级外，每级阶梯都要写 up_to，且逐级增大。",
                "Every tier but the last needs 'up_to', increasing tier by tier.",
            )


@dataclass(frozen=True)
class BillLine:
    """One tier's share of a bill."""

    tier: str
    volume: Decimal
    price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Bill:
    """An annual residential water bill."""

    volume: Decimal
    lines: list[BillLine]
    total: Decimal


def _fen(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class Material(Strict):
    """One priced item (给水材料)."""

    name: Text = Field(title="名称", description="材料名称")
    spec: Text | None = Field(None, title="规格型号", description="例如：DN20")
    unit: Text = Field(title="单位", description="例如：个、米")
    price: Money = Field(title="单价（元）", description="含税单价")
    note: Text | None = Field(None, title="备注", description="备注")


class MaterialTable(Strict):
    """content/data/materials.yml — 给水材料售价."""

    title: Title = Field(title="标题", description="页面标题")
    effective: Date = Field(title="执行日期", description="价格执行日期")
    intro: LongText | None = Field(None, title="说明", description="表格上方的说明")
    items: list[Material] = Field(min_length=1, title="材料", description="每种材料一项")


class Outlet(Strict):
    """A service outlet (营业网点)."""

    name: Text = Field(title="名称", description="网点名称")
    address: Text = Field(title="地址", description="详细地址")
    hours: Text = Field(title="营业时间", description="例如：周一至周五 8:30-17:30")
    holiday_note: Text | None = Field(None, title="节假日安排", description="节假日营业时间的例外")
    phone: Phone = Field(title="电话", description="网点电话")
    services: list[Text] = Field([], title="可办业务", description="每项业务一行")

    @property
    def map_url(self) -> str:
        """Opens the address in a map app (高德 URI API: a plain link, no map script)."""
        query = urlencode({"keyword": self.address, "src": "watersite", "callnative": "1"})
        return f"https://uri.amap.com/search?{query}"


class OutletTable(Strict):
    """content/data/outlets.yml — 营业网点."""

    title: Title = Field(title="标题", description="页面标题")
    intro: LongText | None = Field(None, title="说明", description="表格上方的说明")
    outlets: list[Outlet] = Field(min_length=1, title="网点", description="每个网点一项")


class QualityReport(Strict):
    """The measured values at one sampling site (a plant's outlet, or the mains)."""

    site: Text = Field(title="监测点", description="例如：东湖水厂、管网水（全市采样点）")
    sample: Literal[SAMPLE_TYPES] = Field(title="水样类型", description="出厂水 或 管网水")
    indicators: dict[str, Text] = Field(
        title="检测结果",
        description="每行“指标名称: 检测值”，指标名称与 GB 5749-2022 一致；未检出写“未检出”，"
        "低于检出限写“<0.05”这样的形式",
    )

    def rows(self) -> list[QualityRow]:
        """Each indicator with the standard's unit and limit, and whether it passes."""
        rows = []
        for name, value in self.indicators.items():
            limit = limit_of(name, self.sample)
            rows.append(QualityRow(name, limit.unit, limit.text, value, passes(limit, value)))
        return rows

    def problems(self) -> Iterator[tuple[str, str, str]]:
        """(indicator, 中文, English) for unknown indicators and unreadable values."""
        for name, value in self.indicators.items():
            if name not in GB5749_2022:
                known = "、".join(GB5749_2022)
                yield (
                    name,
                    f"“{name}”不是 GB 5749-2022 常规指标的名称。可用的指标：{known}。",
                    f"'{name}' is not a GB 5749-2022 indicator this site knows.",
                )
                continue
            try:
                passes(limit_of(name, self.sample), value)
            except UnreadableValueError:
                yield (
                    name,
                    f"检测值“{value}”无法识别。请写数字（如 0.12）、“<0.05”、“未检出”，"
                    "或该指标要求的描述（如“无”）。",
                    f"The value '{value}' cannot be read; write a number, '<0.05' or '未检出'.",
                )


@dataclass(frozen=True)
class QualityRow:
    """One line of the water-quality table (and of its CSV download)."""

    indicator: str
    unit: str
    limit: str
    value: str
    passed: bool


class WaterQualityTable(Strict):
    """content/data/water-quality.yml — 水质公告."""

    title: Title = Field(title="标题", description="页面标题")
    period: Text = Field(title="检测时段", description="例如：2026 年 10 月")
    published: Date = Field(title="公布日期", description="本期水质公告的公布日期")
    intro: LongText | None = Field(None, title="说明", description="表格上方的说明")
    reports: list[QualityReport] = Field(
        min_length=1, title="监测点", description="每个水厂出厂水和管网水各一项"
    )
    notes: list[LongText] = Field([], title="备注", description="检测单位、方法等说明，每条一项")

    def files(self) -> dict[str, bytes]:
        """Downloads published next to the page: the same data as CSV (UTF-8 with
        a byte-order mark, which Excel needs to read Chinese)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                "检测时段",
                "监测点",
                "水样类型",
                "指标",
                "单位",
                "GB 5749-2022 限值",
                "检测值",
                "是否合格",
            ]
        )
        for report in self.reports:
            for row in report.rows():
                writer.writerow(
                    [self.period, report.site, report.sample, row.indicator, row.unit, row.limit, row.value,
                     "合格" if row.passed else "不合格"]
                )  # fmt: skip
        return {"water-quality.csv": ("\ufeff" + buffer.getvalue()).encode("utf-8")}

    def rules(self) -> Iterator[Rule]:
        for index, report in enumerate(self.reports):
            for name, zh, en in report.problems():
                yield (("reports", index, "indicators", name), zh, en)


def _site_path(value: Any) -> str:
    text = single_line(value)
    if re.fullmatch(r"/(?:[a-z0-9-]+/)*", text):
        return text
    raise problem(
        f"“{text}”不是本站页面的网址。请写以 / 开头和结尾的网址，例如 /service/pay/。",
        f"'{text}' is not a page of this site; write a URL like /service/pay/.",
    )


SitePath = Annotated[str, BeforeValidator(_site_path), Format("本站页面网址", "/service/pay/")]


class Recommendation(Strict):
    """Pages shown above the results when a query names a common service (推荐)."""

    keywords: list[Text] = Field(min_length=1, title="关键词", description="读者可能输入的词")
    pages: list[SitePath] = Field(
        min_length=1, title="推荐页面", description="本站页面网址，按顺序列出"
    )


class SearchHints(Strict):
    """content/data/search.yml — 站内搜索的同义词和推荐结果（可不建）."""

    synonyms: list[list[Text]] = Field(
        [], title="同义词", description="每组 2 个以上的词，搜索其中一个也会找到含其他词的内容"
    )
    recommend: list[Recommendation] = Field(
        [], title="推荐结果", description="搜索这些关键词时，在结果上方先列出的页面"
    )

    def rules(self) -> Iterator[Rule]:
        for index, group in enumerate(self.synonyms):
            if len(group) < 2:
                yield (
                    ("synonyms", index),
                    "每组同义词至少写 2 个词。",
                    "A synonym group needs two words or more.",
                )


#: Data files that no page requires; each is read when present.
OPTIONAL_DATA_MODELS: dict[str, type[Strict]] = {"search": SearchHints}

DATA_MODELS: dict[str, type[Strict]] = {
    "prices": PriceTable,
    "materials": MaterialTable,
    "outlets": OutletTable,
    "water-quality": WaterQualityTable,
    **OPTIONAL_DATA_MODELS,
}
