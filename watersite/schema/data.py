"""Models of the data tables in content/data/*.yml (水价标准, 给水材料售价, 营业网点).

They are validated with the same bilingual errors as front matter, and their
documentation for editors is generated from these models too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from pydantic import Field

from watersite.schema.models import Rule, Strict
from watersite.schema.types import Date, LongText, Money, Phone, Text, Title, Volume


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

    def bands(self) -> list[PriceBand]:
        """The residential tiers with the volumes each covers, lowest first."""
        bands, lower = [], Decimal(0)
        for tier in self.residential:
            bands.append(PriceBand(tier, lower, tier.up_to))
            lower = tier.up_to or lower
        return bands

    def rules(self) -> Iterator[Rule]:
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


class OutletTable(Strict):
    """content/data/outlets.yml — 营业网点."""

    title: Title = Field(title="标题", description="页面标题")
    intro: LongText | None = Field(None, title="说明", description="表格上方的说明")
    outlets: list[Outlet] = Field(min_length=1, title="网点", description="每个网点一项")


DATA_MODELS: dict[str, type[Strict]] = {
    "prices": PriceTable,
    "materials": MaterialTable,
    "outlets": OutletTable,
}
