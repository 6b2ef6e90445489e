"""Drinking-water limits of GB 5749-2022 (生活饮用水卫生标准), and how a
measured value is judged against them.

Editors enter only the measured values (content/data/water-quality.yml); the
unit, the limit and the pass flag come from here, so the published limits are
always the standard's. The table holds the standard's routine (常规) indicators
utilities report monthly; an indicator it does not know is refused, naming
the ones it does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

#: Values meaning "below the detection limit".
NOT_DETECTED = ("未检出", "ND")


@dataclass(frozen=True)
class Limit:
    """One indicator's limit for one kind of sample."""

    unit: str
    text: str  # as the standard prints it
    maximum: Decimal | None = None
    minimum: Decimal | None = None
    absent: bool = False  # 不应检出
    expected: str | None = None  # a qualitative indicator's required result


def _max(unit: str, value: str) -> Limit:
    return Limit(unit, f"≤{value}", maximum=Decimal(value))


def _absent(unit: str) -> Limit:
    return Limit(unit, "不应检出", absent=True)


#: Indicator -> limit, the same for every sample unless keyed by sample type.
GB5749_2022: dict[str, Limit | dict[str, Limit]] = {
    "总大肠菌群": _absent("MPN/100mL"),
    "大肠埃希氏菌": _absent("MPN/100mL"),
    "菌落总数": _max("MPN/mL", "100"),
    "砷": _max("mg/L", "0.01"),
    "镉": _max("mg/L", "0.005"),
    "铬（六价）": _max("mg/L", "0.05"),
    "铅": _max("mg/L", "0.01"),
    "汞": _max("mg/L", "0.001"),
    "氰化物": _max("mg/L", "0.05"),
    "氟化物": _max("mg/L", "1.0"),
    "硝酸盐（以N计）": _max("mg/L", "10"),
    "三氯甲烷": _max("mg/L", "0.06"),
    "色度": _max("铂钴色度单位", "15"),
    "浑浊度": _max("NTU", "1"),
    "臭和味": Limit("—", "无异臭、异味", expected="无异臭、异味"),
    "肉眼可见物": Limit("—", "无", expected="无"),
    "pH": Limit("—", "6.5～8.5", minimum=Decimal("6.5"), maximum=Decimal("8.5")),
    "铝": _max("mg/L", "0.2"),
    "铁": _max("mg/L", "0.3"),
    "锰": _max("mg/L", "0.1"),
    "铜": _max("mg/L", "1.0"),
    "锌": _max("mg/L", "1.0"),
    "氯化物": _max("mg/L", "250"),
    "硫酸盐": _max("mg/L", "250"),
    "溶解性总固体": _max("mg/L", "1000"),
    "总硬度（以CaCO3计）": _max("mg/L", "450"),
    "高锰酸盐指数（以O2计）": _max("mg/L", "3"),
    "氨（以N计）": _max("mg/L", "0.5"),
    # Free chlorine: at most 2 everywhere, and a residual that must remain.
    "游离氯": {
        "出厂水": Limit("mg/L", "0.3～2", minimum=Decimal("0.3"), maximum=Decimal("2")),
        "管网水": Limit("mg/L", "0.05～2", minimum=Decimal("0.05"), maximum=Decimal("2")),
    },
}
SAMPLE_TYPES = ("出厂水", "管网水")

_NUMBER = re.compile(r"(<)?\s*(\d+(?:\.\d+)?)")


def limit_of(indicator: str, sample: str) -> Limit:
    """The limit for `indicator` in a sample of type `sample` (KeyError if unknown)."""
    limit = GB5749_2022[indicator]
    return limit[sample] if isinstance(limit, dict) else limit


class UnreadableValueError(ValueError):
    """A measured value that cannot be read."""


def passes(limit: Limit, value: str) -> bool:
    """Whether a measured value meets the limit; raise UnreadableValueError if unreadable."""
    value = value.strip()
    if limit.expected is not None:
        return value == limit.expected
    if value in NOT_DETECTED:
        return limit.minimum is None
    match = _NUMBER.fullmatch(value)
    if not match:
        raise UnreadableValueError(value)
    below, number = match.group(1) is not None, match.group(2)
    try:
        amount = Decimal(number)
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only decimals
        raise UnreadableValueError(value) from exc
    if limit.absent:
        return below  # "<1" means none found; any count fails 不应检出
    if limit.maximum is not None and amount > limit.maximum:
        return False
    # "<0.05" means below 0.05: it cannot prove a required minimum residual.
    return not (limit.minimum is not None and (below or amount < limit.minimum))
