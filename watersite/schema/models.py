"""One model per content type: the fields editors write in front matter.

Each field's `title` is its Chinese name and `description` its meaning; the
editors' field reference (docs/content-fields.md) is generated from these
models by `invoke docs`, and a test fails when it is out of date.

Rules that involve several fields (an outage's end after its start, a tender
notice's deadline) are in `rules()`, which yields (field, 中文, English).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from watersite.schema.types import (
    Attachment,
    Count,
    Date,
    DateTime,
    Flag,
    Image,
    ItemFile,
    LongText,
    Money,
    PdfFile,
    Phone,
    Slug,
    Text,
    Title,
)

#: (field or path to a nested field, 中文, English)
Rule = tuple[str | tuple[str | int, ...], str, str]

STATUSES = ("draft", "published")
OUTAGE_FOLLOW_UPS = ("延期", "变更", "恢复供水", "取消")
ITEM_STATUSES = ("draft", "published", "withdrawn")
OUTAGE_KINDS = ("计划停水", "临时停水")
TENDER_NOTICES = ("招标公告", "更正公告", "中标候选人公示", "中标结果公告", "终止公告")
TENDER_METHODS = (
    "公开招标",
    "邀请招标",
    "竞争性谈判",
    "竞争性磋商",
    "询价",
    "单一来源",
)
DOCUMENT_VALIDITY = ("现行有效", "已修订", "已废止")


class Strict(BaseModel):
    """Unknown fields are errors: a misspelt field must never be silently ignored."""

    # Validators are built when first used: a rebuild validates only the files that
    # changed, of a kind or two (building them all took 40 ms of every build's start).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    def rules(self) -> Iterator[Rule]:
        """Problems involving several fields: (field, 中文, English)."""
        return iter(())


class AttachmentRef(Strict):
    """A file offered for download under the body."""

    file: Attachment = Field(title="文件", description="附件文件名；放在与文章同一文件夹")
    title: Text = Field(title="名称", description="附件显示的名称")


class Contact(Strict):
    """A person to call."""

    name: Text = Field(title="联系人", description="联系人姓名")
    phone: Phone = Field(title="电话", description="联系电话")


class Agency(Strict):
    """A tender agency (招标代理机构)."""

    name: Text = Field(title="名称", description="代理机构名称")
    contact: Text | None = Field(None, title="联系人", description="代理机构联系人")
    phone: Phone | None = Field(None, title="电话", description="代理机构电话")


class Position(Strict):
    """One position of a job posting."""

    name: Text = Field(title="岗位", description="岗位名称")
    count: Count = Field(title="人数", description="招聘人数")
    requirements: LongText | None = Field(None, title="要求", description="任职要求")


class Page(Strict):
    """A single page (集团简介, 联系我们, 服务承诺 ...)."""

    title: Title = Field(title="标题", description="页面标题")
    date: DateTime | None = Field(None, title="更新日期", description="页面内容的更新时间")
    summary: LongText | None = Field(
        None, title="摘要", description="一两句话的简介，用于搜索结果和分享"
    )
    status: Literal[STATUSES] = Field(
        "published",
        title="状态",
        description="draft（草稿，不发布）或 published（发布）",
    )
    cover: Image | None = Field(None, title="封面图", description="分享时显示的图片")
    attachments: list[AttachmentRef] = Field(
        [], title="附件", description="附件列表，每项写 file 和 title"
    )


class Item(Strict):
    """Fields every dated item has (news, notices, documents ...)."""

    title: Title = Field(title="标题", description="标题")
    date: DateTime = Field(
        title="发布时间",
        description="发布时间；写将来的时间则到时间后的第一次构建才发布",
    )
    summary: LongText | None = Field(
        None, title="摘要", description="列表中显示的简介；不写则取正文开头"
    )
    tags: list[Text] = Field(
        [], title="标签", description="标签列表；与某个专题的标签相同，则出现在该专题页"
    )
    source: Text | None = Field(None, title="来源", description="来源，显示在标题下")
    author: Text | None = Field(None, title="作者", description="作者，显示在标题下")
    cover: Image | None = Field(
        None,
        title="封面图",
        description="列表和分享时显示的图片；首页图片新闻取有封面图的最新文章",
    )
    pinned: Flag = Field(False, title="置顶", description="true 表示在所在栏目列表中置顶")
    pinned_until: DateTime | None = Field(
        None, title="置顶截止", description="过了这个时间自动取消置顶（须同时写 pinned: true）"
    )
    status: Literal[ITEM_STATUSES] = Field(
        "published",
        title="状态",
        description="draft（草稿，不发布）、published（发布，默认）或 withdrawn（撤回：保留网址并显示撤回说明，不再出现在列表中）",
    )
    withdrawn_reason: LongText | None = Field(
        None, title="撤回原因", description="status 为 withdrawn 时必填，显示在原网址上"
    )
    updated: DateTime | None = Field(
        None, title="更新时间", description="内容修改后填写，页面显示“更新于……”"
    )
    update_note: LongText | None = Field(
        None, title="更新说明", description="改了什么，例如：更正了停水范围；与 updated 一起写"
    )
    slug: Slug | None = Field(
        None, title="网址名称", description="网址中的英文名称；不写则用文件名"
    )
    attachments: list[AttachmentRef] = Field(
        [], title="附件", description="附件列表，每项写 file（文件名）和 title（名称）"
    )

    def rules(self) -> Iterator[Rule]:
        if self.pinned_until is not None and not self.pinned:
            yield (
                "pinned_until",
                "写了置顶截止时间，但没有 pinned: true。",
                "'pinned_until' needs 'pinned: true'.",
            )
        if self.status == "withdrawn" and not self.withdrawn_reason:
            yield (
                "withdrawn_reason",
                "撤回的内容必须写明撤回原因（withdrawn_reason），读者打开原网址时会看到。",
                "A withdrawn item needs 'withdrawn_reason'; readers see it at the old URL.",
            )
        if self.withdrawn_reason and self.status != "withdrawn":
            yield (
                "withdrawn_reason",
                "只有 status: withdrawn 时才写撤回原因。",
                "'withdrawn_reason' needs 'status: withdrawn'.",
            )
        if self.updated is not None and self.updated < self.date:
            yield (
                "updated",
                "更新时间不能早于发布时间（date）。",
                "'updated' cannot be before 'date'.",
            )
        if self.update_note and self.updated is None:
            yield (
                "update_note",
                "写了更新说明，也请写更新时间（updated）。",
                "'update_note' needs 'updated'.",
            )

    def is_pinned(self, now: datetime) -> bool:
        """Pinned, and the pin has not lapsed."""
        return self.pinned and (self.pinned_until is None or now < self.pinned_until)


class Article(Item):
    """A news or culture article (集团动态, 行业新闻, 企业建设, 用水常识)."""


class Guide(Item):
    """A service guide (办事指南): what to bring, the steps, time limits and fees."""

    materials: list[LongText] = Field([], title="所需材料", description="办理需要的材料，每项一行")
    steps: list[LongText] = Field([], title="办理流程", description="办理步骤，按顺序每项一行")
    time_limit: Text | None = Field(None, title="办理时限", description="例如：3 个工作日")
    fees: Text | None = Field(None, title="收费标准", description="例如：不收费")
    channels: list[Text] = Field([], title="办理渠道", description="营业厅、网上、电话等")


class Outage(Item):
    """An outage notice (停水通知)."""

    kind: Literal[OUTAGE_KINDS] = Field(title="类型", description="计划停水 或 临时停水")
    start: DateTime = Field(title="停水开始", description="停水开始时间")
    end: DateTime = Field(title="恢复供水", description="预计恢复供水时间，须晚于开始时间")
    areas: list[Text] = Field(
        min_length=1, title="影响范围", description="受影响的区域、街道、小区，每项一行"
    )
    reason: Text | None = Field(None, title="停水原因", description="例如：管道维修")
    restored: DateTime | None = Field(
        None, title="实际恢复时间", description="实际恢复供水的时间，恢复后填写"
    )
    advice: LongText | None = Field(
        None, title="温馨提示", description="给用户的建议；不写则显示通用的储水提示"
    )
    follows: ItemFile | None = Field(
        None,
        title="原通知",
        description="后续通知（延期、变更、恢复供水、取消）写最初那条停水通知的文件名，两者互相链接",
    )
    follow_up: Literal[OUTAGE_FOLLOW_UPS] | None = Field(
        None,
        title="后续类型",
        description="写了 follows 时必填："
        + "、".join(OUTAGE_FOLLOW_UPS)
        + "。延期、变更以本通知的时间和范围为准；恢复供水须写 restored",
    )

    def rules(self) -> Iterator[Rule]:
        yield from super().rules()
        if (self.follows is None) != (self.follow_up is None):
            yield (
                "follow_up",
                "后续通知要同时写 follows（原通知）和 follow_up（后续类型）。",
                "A follow-up needs both 'follows' and 'follow_up'.",
            )
        if self.follow_up == "恢复供水" and self.restored is None:
            yield (
                "restored",
                "恢复供水通知须写实际恢复时间（restored）。",
                "A 恢复供水 notice needs 'restored'.",
            )
        if self.end <= self.start:
            yield (
                "end",
                "恢复供水时间必须晚于停水开始时间（start）。",
                "'end' must be after 'start'.",
            )
        if self.restored is not None and self.restored < self.start:
            yield (
                "restored",
                "实际恢复时间不能早于停水开始时间（start）。",
                "'restored' cannot be before 'start'.",
            )


#: Least days between a tender notice and its deadline (招标投标法 第二十四条).
MIN_TENDER_DAYS = 20
#: Least days between a correction (澄清或修改) and the bid deadline (招标投标法 第二十三条).
MIN_CORRECTION_DAYS = 15
#: Least days a 中标候选人公示 stays up (招标投标法实施条例 第五十四条).
MIN_PUBLICITY_DAYS = 3


class Tender(Item):
    """A tender notice (招标信息); notices sharing `project_no` form one project."""

    notice: Literal[TENDER_NOTICES] = Field(title="公告类型", description="、".join(TENDER_NOTICES))
    project_no: Text = Field(
        title="项目编号", description="同一项目的所有公告写同一个编号，会自动串成时间线"
    )
    method: Literal[TENDER_METHODS] | None = Field(
        None, title="采购方式", description="招标公告必填：" + "、".join(TENDER_METHODS)
    )
    budget: Money | None = Field(None, title="预算金额", description="预算或最高限价，单位元")
    deadline: DateTime | None = Field(
        None, title="投标截止时间", description="招标公告必填；须晚于发布时间"
    )
    opening: DateTime | None = Field(None, title="开标时间", description="不早于投标截止时间")
    publicity_end: DateTime | None = Field(
        None, title="公示截止", description="中标候选人公示必填；至少在发布后 3 天"
    )
    contact: Contact | None = Field(
        None, title="联系人", description="招标公告必填：name（姓名）和 phone（电话）"
    )
    agency: Agency | None = Field(None, title="招标代理", description="name、contact、phone")
    short_deadline_reason: LongText | None = Field(
        None,
        title="缩短时限理由",
        description=f"招标公告的截止距发布不足 {MIN_TENDER_DAYS} 天、或更正公告距截止不足 15 天时，必须写明依据",
    )

    def rules(self) -> Iterator[Rule]:
        yield from super().rules()
        if self.notice == "招标公告":
            for name, label in (
                ("method", "采购方式"),
                ("deadline", "投标截止时间"),
                ("contact", "联系人"),
            ):
                if getattr(self, name) is None:
                    yield (
                        name,
                        f"招标公告必须填写{label}（{name}）。",
                        f"A 招标公告 must have '{name}'.",
                    )
        if self.deadline is not None:
            if self.deadline <= self.date:
                yield (
                    "deadline",
                    "投标截止时间必须晚于发布时间（date）。",
                    "'deadline' must be after 'date'.",
                )
            elif (
                self.notice == "招标公告"
                and self.deadline - self.date < timedelta(days=MIN_TENDER_DAYS)
                and not self.short_deadline_reason
            ):
                yield (
                    "deadline",
                    f"投标截止距发布不足 {MIN_TENDER_DAYS} 天。依法不得少于 {MIN_TENDER_DAYS} 天；"
                    "如属可以缩短的情形，请在 short_deadline_reason 中写明依据。",
                    f"The deadline is less than {MIN_TENDER_DAYS} days after publication; "
                    "extend it or give 'short_deadline_reason'.",
                )
        if (
            self.notice == "更正公告"
            and self.deadline is not None
            and self.deadline > self.date
            and self.deadline - self.date < timedelta(days=MIN_CORRECTION_DAYS)
            and not self.short_deadline_reason
        ):
            yield (
                "deadline",
                f"更正公告距投标截止不足 {MIN_CORRECTION_DAYS} 天。依法应顺延截止时间；"
                "如属可以不顺延的情形，请在 short_deadline_reason 中写明依据。",
                f"A correction must come at least {MIN_CORRECTION_DAYS} days before the deadline; "
                "move the deadline or give 'short_deadline_reason'.",
            )
        if self.opening is not None and self.deadline is not None and self.opening < self.deadline:
            yield (
                "opening",
                "开标时间不能早于投标截止时间（deadline）。",
                "'opening' cannot be before 'deadline'.",
            )
        if self.notice == "中标候选人公示":
            if self.publicity_end is None:
                yield (
                    "publicity_end",
                    "中标候选人公示必须填写公示截止时间（publicity_end）。",
                    "A 中标候选人公示 must have 'publicity_end'.",
                )
            elif self.publicity_end - self.date < timedelta(days=MIN_PUBLICITY_DAYS):
                yield (
                    "publicity_end",
                    f"公示期不得少于 {MIN_PUBLICITY_DAYS} 天：公示截止须在发布时间 3 天之后。",
                    f"The publicity period must last at least {MIN_PUBLICITY_DAYS} days.",
                )


class Job(Item):
    """A job posting (招聘信息), or a follow-up notice of one (面试名单, 拟聘公示)."""

    deadline: DateTime | None = Field(
        None, title="报名截止", description="招聘公告必填；须晚于发布时间"
    )
    positions: list[Position] = Field(
        [],
        title="招聘岗位",
        description="招聘公告必填；每项写 name（岗位）、count（人数）、requirements（要求）",
    )
    apply: LongText | None = Field(None, title="报名方式", description="如何报名")
    follows: ItemFile | None = Field(
        None,
        title="原公告",
        description="后续通知（面试名单、拟聘公示等）写原招聘公告的文件名，两者互相链接",
    )

    def rules(self) -> Iterator[Rule]:
        yield from super().rules()
        if self.follows is None:
            for name, label in (("deadline", "报名截止"), ("positions", "招聘岗位")):
                if not getattr(self, name):
                    yield (
                        name,
                        f"招聘公告必须写{label}（{name}）；后续通知请写 follows 指向原公告。",
                        f"A job posting needs '{name}' (follow-ups give 'follows' instead).",
                    )
        if self.deadline is not None and self.deadline <= self.date:
            yield (
                "deadline",
                "报名截止时间必须晚于发布时间（date）。",
                "'deadline' must be after 'date'.",
            )


class Document(Item):
    """A law, policy or standard in 资料中心."""

    issuer: Text = Field(title="发布机关", description="发布机关或单位")
    doc_no: Text | None = Field(None, title="文号", description="文号或标准号")
    effective: Date | None = Field(None, title="实施日期", description="实施日期")
    validity: Literal[DOCUMENT_VALIDITY] = Field(
        "现行有效",
        title="效力",
        description="、".join(DOCUMENT_VALIDITY) + "（默认现行有效）",
    )
    file: Attachment | None = Field(
        None, title="原文文件", description="正文不是全文时，附上原文文件"
    )


class PaperIssue(Item):
    """An issue of the group's newspaper (水报)."""

    issue: Text = Field(title="期号", description="例如：第 128 期")
    pdf: PdfFile = Field(title="PDF 文件", description="本期报纸的 PDF")


class Topic(Strict):
    """A topic (专题): its page lists every item carrying its tag."""

    title: Title = Field(title="专题名称", description="专题名称")
    tag: Text | None = Field(
        None,
        title="标签",
        description="带此标签的文章会列在专题页；不写则与专题名称相同",
    )
    summary: LongText | None = Field(None, title="简介", description="专题列表中显示的简介")
    cover: Image | None = Field(None, title="封面图", description="专题封面")
    date: DateTime | None = Field(None, title="创建时间", description="用于专题列表排序")
    start: Date | None = Field(None, title="开始日期", description="专题活动的开始日期（可不写）")
    end: Date | None = Field(None, title="结束日期", description="专题活动的结束日期（可不写）")
    status: Literal[STATUSES] = Field("published", title="状态", description="draft 或 published")
    slug: Slug | None = Field(None, title="网址名称", description="不写则用文件名")

    def rules(self) -> Iterator[Rule]:
        if self.start and self.end and self.end < self.start:
            yield ("end", "结束日期不能早于开始日期（start）。", "'end' cannot be before 'start'.")

    @property
    def topic_tag(self) -> str:
        """The tag that puts an item on this topic's page."""
        return self.tag or self.title
