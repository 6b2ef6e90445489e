"""The organisation's identity: name, contacts, filing numbers, service links.

It lives in one file, `organisation.yml` at the top of the repository, so that
templates never hard-code any of it. It is validated like content.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from watersite.schema import load_config
from watersite.schema.models import Rule, Strict
from watersite.schema.types import (
    Format,
    LongText,
    Phone,
    Text,
    problem,
    single_line,
    tel_href,
)
from watersite.sections import SITE, Kind

MIIT_FILING_URL = "https://beian.miit.gov.cn/"
MPS_FILING_URL = "https://beian.mps.gov.cn/#/query/webSearch?code={code}"


def _web_url(value: Any) -> str:
    text = single_line(value)
    if re.fullmatch(r"https?://[^\s/]+\.[^\s/]+(/\S*)?", text):
        return text
    raise problem(
        f"“{text}”不是完整的网址，请以 https:// 开头。",
        f"'{text}' is not a full web address; start it with https://.",
    )


WebUrl = Annotated[str, BeforeValidator(_web_url), Format("网址", "https://example.cn/pay")]


class ServiceLink(Strict):
    """An external service a page sends readers to (水费查询, 网上缴费 ...)."""

    url: WebUrl = Field(title="网址", description="外部服务的网址")
    label: Text = Field(title="按钮文字", description="例如：进入水费查询")
    provider: Text | None = Field(None, title="提供方", description="例如：微信公众号")


class Channel(Strict):
    """One way to reach the organisation (热线, 邮箱, 12345, 外部表单)."""

    name: Text = Field(title="名称", description="例如：服务热线")
    phone: Phone | None = Field(None, title="电话", description="电话号码")
    email: Text | None = Field(None, title="邮箱", description="电子邮箱")
    url: WebUrl | None = Field(None, title="网址", description="外部表单或平台网址")
    note: LongText | None = Field(None, title="说明", description="受理时间、回复时限等")

    @property
    def tel(self) -> str:
        """The `tel:` link of the phone number."""
        return tel_href(self.phone or "")

    def rules(self) -> Iterator[Rule]:
        if not (self.phone or self.email or self.url):
            yield (
                "name",
                "至少要写 phone、email 或 url 之一。",
                "Give phone, email or url.",
            )


class Newspaper(Strict):
    """The group's newspaper (水报) and the notices an internal publication must carry."""

    name: Text = Field(title="报名", description="例如：青澜水务报")
    permit: Text | None = Field(None, title="准印证号", description="内部资料准印证号")
    notice: Text | None = Field(None, title="内部资料声明", description="例如：内部资料 免费交流")


class Organisation(Strict):
    """organisation.yml."""

    name: Text = Field(title="全称", description="单位全称，显示在页眉和页脚")
    short_name: Text = Field(title="简称", description="标志文字和浏览器标签中的简称")
    address: Text = Field(title="地址", description="办公地址")
    postcode: Text | None = Field(None, title="邮编", description="邮政编码")
    hotline: Phone = Field(title="服务热线", description="客服热线")
    repair_line: Phone = Field(title="24小时抢修电话", description="全天候抢修电话")
    email: Text | None = Field(None, title="邮箱", description="对外联系邮箱")
    office_hours: Text = Field(title="办公时间", description="例如：周一至周五 8:30-17:30")
    icp: Text = Field(title="ICP备案号", description="例如：某ICP备12345678号-1")
    police_filing: Text = Field(
        title="公安联网备案号", description="例如：某公网安备 12345678901234号"
    )
    services: dict[str, ServiceLink] = Field(
        title="外部服务链接",
        description="键为栏目网址名：bill、sewage-bill、invoice、pay",
    )
    newspaper: Newspaper | None = Field(
        None, title="水报", description="报名、准印证号和内部资料声明，显示在水报栏目"
    )
    channels: dict[str, list[Channel]] = Field(
        title="联系渠道", description="feedback（投诉建议）和 survey（在线调查）各一组"
    )

    @property
    def police_filing_code(self) -> str:
        """The digits of the police filing number, used in its query link."""
        return re.sub(r"\D", "", self.police_filing)

    @property
    def police_filing_url(self) -> str:
        """The MPS filing site's page for this number."""
        return MPS_FILING_URL.format(code=self.police_filing_code)

    @property
    def icp_url(self) -> str:
        """The MIIT filing site, where ICP numbers are looked up."""
        return MIIT_FILING_URL

    @property
    def hotline_tel(self) -> str:
        """`tel:` link of the service hotline."""
        return tel_href(self.hotline)

    @property
    def repair_tel(self) -> str:
        """`tel:` link of the 24-hour repair line."""
        return tel_href(self.repair_line)

    def rules(self) -> Iterator[Rule]:
        for kind, field, what in (
            (Kind.SERVICE_LINK, "services", "外部服务链接"),
            (Kind.CHANNELS, "channels", "联系渠道"),
        ):
            wanted = {s.path.rsplit("/", 1)[-1] for s in SITE.walk() if s.kind is kind}
            given = set(getattr(self, field))
            if wanted != given:
                yield (
                    field,
                    f"{what}必须且只能包含：{'、'.join(sorted(wanted))}"
                    f"（现在是：{'、'.join(sorted(given)) or '无'}）。",
                    f"'{field}' must have exactly these keys: {', '.join(sorted(wanted))}.",
                )
        if not self.police_filing_code:
            yield (
                "police_filing",
                "公安联网备案号中没有数字。",
                "No digits in 'police_filing'.",
            )


def load_organisation(path: Path) -> Organisation:
    """Read and validate organisation.yml; raise ContentErrors on problems."""
    return load_config(path, Organisation)
