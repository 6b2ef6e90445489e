"""The safety gate: spam tricks, sensitive words, personal data, image and file
faults each fail with a clear message naming the file; security headers come
from one place."""

from __future__ import annotations

import gc
import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.conftest import FIXED_NOW, build_into
from watersite.build import ROOT, build, check, load_settings
from watersite.catalog import build_catalog
from watersite.errors import ContentErrors
from watersite.guard import Verdicts, _plain_tag, scan_page, scan_site
from watersite.images import ImageError, ImagePipeline
from watersite.plugins import search_index
from watersite.safety import Limits, SafetyPolicy, is_resident_id, load_policy, scan_text
from watersite.security import CSP, HEADERS, HSTS, rendered_files

ARTICLE = "news/group/2024/plant-upgrade.md"
POLICY = load_policy(ROOT / "safety.yml")


def append_body(content: Path, text: str, relative: str = ARTICLE) -> None:
    path = content / relative
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text + "\n", encoding="utf-8")


def problems_of(content: Path) -> list[str]:
    with pytest.raises(ContentErrors) as raised:
        check(content, FIXED_NOW)
    return [f"{e.path}:{e.line}: {e.zh} / {e.en}" for e in raised.value.errors]


# --- spam tricks in content ------------------------------------------------------


@pytest.mark.parametrize(
    ("trick", "message"),
    [
        ("[便宜发票](https://spam.example/buy)", "未列入白名单的网站 spam.example"),
        ("[博客](//spam.example/)", "未列入白名单的网站 spam.example"),
        ("<https://spam.example/>", "未列入白名单的网站 spam.example"),
        ("[参考][1]\n\n[1]: https://spam.example/", "未列入白名单的网站 spam.example"),
        ("![广告](https://spam.example/banner.png)", "来自其他网站"),
        ("[点我](data:text/html;base64,PHNjcmlwdD4=)", "不允许的协议"),
    ],
)
def test_spam_links_in_content_fail_check_with_file_and_line(
    trick: str, message: str, content_copy: Path
) -> None:
    append_body(content_copy, trick)
    found = problems_of(content_copy)
    assert any(ARTICLE in p and message in p for p in found), found
    assert all(":0:" not in p for p in found if ARTICLE in p), "the line is named"


def test_links_to_allowed_hosts_and_subdomains_pass(content_copy: Path) -> None:
    append_body(
        content_copy,
        "[国务院](https://www.gov.cn/) [缴费](https://pay.qinglan-water.example/) [邮件](mailto:a@b.cn) [电话](tel:012396889)",
    )
    assert check(content_copy, FIXED_NOW)


def test_hidden_text_tricks_in_content_come_out_as_visible_text(
    content_copy: Path, tmp_path: Path
) -> None:
    append_body(content_copy, '<div style="position:absolute;left:-9999px" hidden>隐藏文字</div>')
    output = build_into(content_copy, tmp_path / "out")
    html = (output / "news/group/2024/plant-upgrade/index.html").read_text(encoding="utf-8")
    assert "&lt;div style=" in html and "<div style=" not in html


# --- spam tricks anywhere in the output (templates, configuration) ------------------

TEMPLATE_TRICKS = {
    "inline script": ("<script>alert(1)</script>", "不属于网站主题的脚本"),
    "third-party script": (
        '<script src="https://cdn.example/x.js"></script>',
        "不属于网站主题的脚本",
    ),
    "hidden link": ('<div hidden><a href="/x/">x</a></div>', "隐藏属性"),
    "inline style": ('<p style="display:none">x</p>', "内联样式"),
    "off-screen text": ('<p style="position:absolute;left:-9999px">x</p>', "内联样式"),
    "meta refresh": ('<meta http-equiv="refresh" content="0;url=https://www.gov.cn/">', "自动跳转"),
    "iframe": ('<iframe src="/x/"></iframe>', "不允许的元素 <iframe>"),
    "object": ('<object data="/x.swf"></object>', "不允许的元素 <object>"),
    "embed": ('<embed src="/x.swf">', "不允许的元素 <embed>"),
    "event handler": ('<p onclick="go()">x</p>', "事件脚本属性"),
    "unknown host": ('<a href="https://spam.example/">x</a>', "未列入白名单网站"),
    "javascript URL": ('<a href="javascript:void(0)">x</a>', "危险链接"),
    "protocol-relative link": ('<a href="//spam.example/">x</a>', "未列入白名单网站"),
    "backslash link browsers read as //": ('<a href="/\\spam.example/">x</a>', "未列入白名单网站"),
    # Browsers read a slash after the element's name as a space between attributes.
    "event handler after a slash": ('<img/src="/x.png"/onerror="go()">', "事件脚本属性"),
    "bare event handler after a slash": ("<svg/onload=go()>", "事件脚本属性"),
    "javascript URL after a slash": ('<a/href="javascript:go()">x</a>', "危险链接"),
    "inline style after a slash": ('<p/style="display:none">x</p>', "内联样式"),
    # Browsers read element and attribute names in any letter case, and any ASCII
    # white space between attributes.
    "upper-case script": ("<SCRIPT>alert(1)</SCRIPT>", "不属于网站主题的脚本"),
    "upper-case iframe": ('<IFRAME src="/x/"></IFRAME>', "不允许的元素 <IFRAME>"),
    "upper-case meta refresh": ('<META HTTP-EQUIV="Refresh" content="0">', "自动跳转"),
    "event handler after a tab": ('<p\tonclick="go()">x</p>', "事件脚本属性"),
    "upper-case event handler after a new line": ('<p\nONCLICK="go()">x</p>', "事件脚本属性"),
    "upper-case unknown host": ('<a href="HTTPS://SPAM.EXAMPLE/">x</a>', "未列入白名单网站"),
    "unknown host ending like an allowed one": (
        '<a href="https://www.gov.cn.spam.example/">x</a>',
        "未列入白名单网站",
    ),
    "allowed host as a user name": (
        '<a href="https://www.gov.cn@spam.example/">x</a>',
        "未列入白名单网站",
    ),
    "unknown host after allowed attributes": (
        '<a class="x" title="gov.cn" href="https://spam.example/?gov.cn">x</a>',
        "未列入白名单网站",
    ),
    "link split over lines": ('<a\nhref="https://spam.example/">x</a>', "未列入白名单网站"),
    "iframe split over lines": ('<iframe\nsrc="/x/"></iframe>', "不允许的元素 <iframe>"),
    "data attribute named like a URL one": ('<object data="javascript:go()">', "不允许的元素"),
}


@pytest.mark.parametrize("trick", list(TEMPLATE_TRICKS))
def test_guard_finds_each_spam_trick_on_a_page(trick: str) -> None:
    snippet, message = TEMPLATE_TRICKS[trick]
    page = f'<!DOCTYPE html><html lang="zh-CN"><body><main>{snippet}</main></body></html>'
    findings = list(scan_page("news/x/index.html", page.encode(), POLICY))
    assert findings and message in findings[0].zh


def _page(main: str) -> str:
    """A page with a head, header and footer, a line each, around `main`."""
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<title>停水通知</title>\n<link rel="canonical" href="https://www.gov.cn/x/">\n</head>\n'
        '<body>\n<header class="sw-header"><a href="/">首页</a></header>\n<main>\n'
        f'{main}\n</main>\n<footer><a href="https://beian.miit.gov.cn/">ICP</a></footer>\n'
        "</body>\n</html>\n"
    )


@pytest.mark.parametrize("place", ["own line", "end of a known line", "start of a known line"])
@pytest.mark.parametrize("trick", list(TEMPLATE_TRICKS))
def test_guard_finds_each_trick_on_a_page_after_pages_without_it(trick: str, place: str) -> None:
    """The guard remembers the pieces of markup it found clean: a trick on a page
    whose other lines it has seen is found as on a page seen first."""
    snippet, message = TEMPLATE_TRICKS[trick]
    verdicts = Verdicts(POLICY)
    assert not list(scan_page("a/index.html", _page("<p>通知</p>").encode(), POLICY, verdicts))
    main = {
        "own line": f"<p>通知</p>\n{snippet}",
        "end of a known line": f"<p>通知</p>{snippet}",
        "start of a known line": f"{snippet}<p>通知</p>",
    }[place]
    page = _page(main).encode()
    findings = list(scan_page("b/index.html", page, POLICY, verdicts))
    assert findings == list(scan_page("b/index.html", page, POLICY)), "as on a page seen first"
    assert message in findings[0].zh


class _FullScan(Verdicts):
    """The guard without its shortcuts: every page scanned whole, every tag's
    attributes parsed."""

    def __init__(self, policy: SafetyPolicy):
        super().__init__(policy)
        self.plain_tag = re.compile(rb"(?!)")  # matches nothing

    def all_clean(self, data: bytes) -> bool:
        return False


#: Tags of any shape (names, what parts attributes, values safe and not), mostly safe:
#: a page's only problem is then often in a piece or a tag that the shortcuts judge.
SAFE_VALUES = ('="/x/"', '="https://www.gov.cn/x/"', '=""', '="search"')
ATTRIBUTE = st.tuples(
    st.sampled_from([" "] * 6 + ["\n", "\t", "/"]),
    st.sampled_from(["href", "src", "class", "title", "role"] * 3 + ["onclick", "style", "hidden"]),
    st.sampled_from(
        [
            *SAFE_VALUES * 4,
            *('="//spam.example/"', '="/\\spam.example/"', '="https://www.gov.cn.spam.example/"'),
            *('="https://spam.example/?gov.cn"', "", "='/x/'", "=javascript:go()"),
        ]
    ),
).map("".join)
TAG = st.one_of(
    st.builds(
        lambda name, attributes: f"<{name}{''.join(attributes)}>",
        st.sampled_from(["a", "p", "link", "a", "p", "iframe", "FORM"]),
        st.lists(ATTRIBUTE, max_size=3),
    ),
    st.sampled_from(['<meta http-equiv="refresh" content="0">', '<meta content="refresh">']),
)
MARKUP = st.lists(st.one_of(TAG, st.sampled_from(["\n", "通知", "</p>", "</a>\n"])), max_size=8)


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(seen=MARKUP, page=MARKUP)
def test_guard_finds_on_any_page_what_a_whole_scan_finds(seen: list[str], page: list[str]) -> None:
    """Remembered pieces and tags, and tags judged by one pattern, change nothing
    the guard finds, whatever pages came before."""
    verdicts = Verdicts(POLICY)
    list(scan_page("a/index.html", "".join(seen).encode(), POLICY, verdicts))
    data = "".join(page).encode()
    found = list(scan_page("b/index.html", data, POLICY, verdicts))
    assert found == list(scan_page("b/index.html", data, POLICY, _FullScan(POLICY)))


def test_guard_judges_our_usual_tags_by_one_pattern() -> None:
    """Most tags are judged by one match (the rest in full): links to our pages and
    to allowed hosts, times, meta data, images without srcset."""
    plain = _plain_tag(POLICY).fullmatch
    assert plain(b'<a class="sw-link" href="/news/group/2024/x/" aria-current="page">')
    assert plain(b'<link rel="canonical" href="https://www.qinglan-water.example:8443/x/?a#b">')
    assert plain(b'<time datetime="2024-05-01" data-pagefind-sort="date:2024-05-01">')
    assert plain(b'<span class="sw-status" data-status>')
    for judged_in_full in (
        b'<a href="//gov.cn/">',  # protocol-relative: judged as a host, in full
        b'<a href="https://spam.example/">',
        b'<img src="/x.png" srcset="/x.png 1x">',
        b'<a href="/x/" onclick="go()">',
        b'<a href="/x/" target="_blank">',
        b"<a href='/x/'>",
        b'<A href="/x/">',
    ):
        assert not plain(judged_in_full), judged_in_full


def test_guard_findings_quote_the_page_text_as_written() -> None:
    page = '<main><script>alert("停水通知")</script><a href="https://垃圾.example/">x</a></main>'
    findings = list(scan_page("news/x/index.html", page.encode(), POLICY))
    assert '<script>alert("停水通知")' in findings[0].zh
    assert "垃圾.example" in findings[1].zh


def test_guard_accepts_the_theme_own_markup() -> None:
    page = (
        '<script src="/theme/site.0123456789ab.js" defer></script>'
        '<svg aria-hidden="true" viewBox="0 0 1 1"></svg><a href="https://beian.miit.gov.cn/">ICP</a>'
        '<meta name="description" content="a style=b hidden onload=x">'
    )
    assert not list(scan_page("index.html", page.encode(), POLICY))


def test_the_guard_remembers_clean_pages_by_their_exact_bytes_and_the_policy(
    tmp_path: Path,
) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    page = site / "news/x/index.html"
    page.parent.mkdir(parents=True)
    page.write_text('<main><a href="https://www.gov.cn/">国务院</a></main>', encoding="utf-8")
    assert scan_site(site, POLICY, 1, cache) == []
    assert scan_site(site, POLICY, 1, cache) == [], "a rebuild finds it clean again"
    page.write_text(page.read_text(encoding="utf-8") + '<p onclick="x()">x</p>', encoding="utf-8")
    assert [f.page for f in scan_site(site, POLICY, 1, cache)] == ["news/x/index.html"]
    page.write_text('<main><a href="https://www.gov.cn/">国务院</a></main>', encoding="utf-8")
    stricter = POLICY.model_copy(update={"allowed_hosts": ["example.org"]})
    assert scan_site(site, stricter, 1, cache), "a new policy judges every page again"


def test_a_template_with_a_spam_link_fails_the_build(content_copy: Path, tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    footer = theme / "templates" / "base.html"
    footer.write_text(
        footer.read_text(encoding="utf-8").replace(
            "</footer>", '<a href="https://casino.example/">友情链接</a></footer>'
        ),
        encoding="utf-8",
    )
    from watersite.build import build, load_settings

    settings = load_settings(content=content_copy, output=tmp_path / "out", now=FIXED_NOW)
    settings["THEME"] = str(theme)
    with pytest.raises(ContentErrors) as raised:
        build(settings)
    report = raised.value.report()
    assert "casino.example" in report and "/index.html" in report


# --- sensitive words and personal data ----------------------------------------------


def test_sensitive_word_fails_naming_the_line(content_copy: Path) -> None:
    append_body(content_copy, "专业代开发票，价格优惠。")
    found = problems_of(content_copy)
    assert any(f"{ARTICLE}:" in p and "敏感词“代开发票”" in p for p in found)


VALID_ID = "11010519491231002X"  # the check digit of GB 11643's worked example


def test_resident_id_numbers_are_recognised_by_check_digit() -> None:
    assert is_resident_id(VALID_ID)
    assert not is_resident_id("110105194912310021"), "wrong check digit: an order number, not an ID"
    assert not is_resident_id("110105194913310025"), "month 13"


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        (f"申请人身份证号 {VALID_ID}。", "身份证号"),
        ("联系人手机 13812345678。", "手机号"),
        ("联系人手机 138-1234-5678。", "手机号"),
        ("联系人手机 138 1234 5678。", "手机号"),
    ],
)
def test_personal_data_fails_the_check(text: str, flagged: str, content_copy: Path) -> None:
    append_body(content_copy, text)
    found = problems_of(content_copy)
    assert any(ARTICLE in p and flagged in p for p in found)
    assert all("13812345678" not in p and VALID_ID not in p for p in found), (
        "messages mask the number"
    )


@pytest.mark.parametrize(
    "text",
    [
        "热线 0123-96889，抢修 0123-88886666。",
        "项目编号 QLSW-2024-GC-001。",
        "证号 1101**********002X。",
        "订单 110105194912310021。",
    ],
)
def test_public_numbers_pass(text: str) -> None:
    assert not list(scan_text(text, POLICY))


def test_allowed_numbers_are_published() -> None:
    policy = POLICY.model_copy(update={"allowed_numbers": ["138-1234-5678"]})
    assert not list(scan_text("服务手机 13812345678", policy))


# --- images ---------------------------------------------------------------------------


def pipeline(tmp_path: Path, **limits: int) -> ImagePipeline:
    return ImagePipeline(tmp_path, tmp_path / "cache", Limits(**limits))


def save(tmp_path: Path, name: str, image: Image.Image, **options: object) -> str:
    image.save(tmp_path / name, **options)
    return name


def test_gps_exif_and_orientation(tmp_path: Path) -> None:
    photo = Image.new("RGB", (400, 200), "steelblue")
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)}  # GPS
    exif[0x010F] = "PhoneMaker"
    name = save(tmp_path, "phone.jpg", photo, exif=exif.tobytes())
    result = pipeline(tmp_path).process(name)
    assert (result.width, result.height) == (200, 400), "turned upright"
    out = tmp_path / "site"
    pipeline(tmp_path).publish(result, out)
    for variant in result.files():
        with Image.open(out / variant.path) as published:
            assert not published.getexif(), variant.path
            assert (
                "exif" not in published.info
                and "xmp" not in published.info
                and "icc_profile" not in published.info
            )


def test_large_photos_are_scaled_and_get_webp_widths(tmp_path: Path) -> None:
    name = save(tmp_path, "big.jpg", Image.new("RGB", (3000, 2000), "seagreen"))
    result = pipeline(tmp_path).process(name)
    assert (result.width, result.height) == (1920, 1280)
    assert [v.width for v in result.webp] == [480, 960, 1440, 1920]
    assert result.srcset.startswith("/big.w480.webp 480w, /big.w960.webp 960w")


def test_phone_heic_photos_are_published_upright_as_jpeg(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone held upright
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0)}  # GPS
    name = save(
        tmp_path, "IMG_0001.HEIC", Image.new("RGB", (4032, 3024), "tan"), exif=exif.tobytes()
    )
    result = pipeline(tmp_path).process(name)
    assert result.main.path == "IMG_0001.jpg"
    assert (result.width, result.height) == (1920, 2560), "upright and scaled down"
    pipeline(tmp_path).publish(result, tmp_path / "site")
    with Image.open(tmp_path / "site" / "IMG_0001.jpg") as published:
        assert published.format == "JPEG" and not published.getexif()


def test_a_heic_photo_and_a_jpeg_of_the_same_name_are_refused(content_copy: Path) -> None:
    folder = content_copy / "news/group/2024"
    Image.new("RGB", (64, 48), "tan").save(folder / "same.heic")
    Image.new("RGB", (64, 48), "tan").save(folder / "same.jpg")
    with pytest.raises(ContentErrors) as raised:
        check(content_copy, now=FIXED_NOW)
    assert any("重名" in e.zh and e.path.endswith("same.jpg") for e in raised.value.errors)


def test_a_heic_photo_in_an_article_is_shown_as_jpeg(content_copy: Path, tmp_path: Path) -> None:
    folder = content_copy / "news/group/2024"
    Image.new("RGB", (1200, 900), "tan").save(folder / "site-visit.heic")
    article = folder / "second-article.md"
    article.write_text(
        article.read_text(encoding="utf-8") + "\n\n![现场检查](site-visit.heic)\n", encoding="utf-8"
    )
    site = build_into(content_copy, tmp_path / "site")
    pages = [p.read_text(encoding="utf-8") for p in site.glob("news/group/2024/*/index.html")]
    assert any('src="/news/group/2024/site-visit.jpg"' in page for page in pages)
    assert (site / "news/group/2024/site-visit.jpg").is_file()
    assert not list(site.rglob("*.heic"))


def test_processing_is_cached_by_content_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = save(tmp_path, "a.png", Image.new("RGB", (50, 50), "red"))
    first = pipeline(tmp_path).process(name)
    monkeypatch.setattr(ImagePipeline, "_decode", lambda *a: pytest.fail("decoded again"))
    assert pipeline(tmp_path).process(name) == first


def test_same_image_gives_same_bytes(tmp_path: Path) -> None:
    name = save(
        tmp_path, "a.jpg", Image.effect_mandelbrot((600, 400), (-2, -1, 1, 1), 50).convert("RGB")
    )
    outputs = []
    for run in ("one", "two"):
        cache = tmp_path / f"cache-{run}"
        pipe = ImagePipeline(tmp_path, cache, Limits())
        pipe.publish(pipe.process(name), tmp_path / run)
        outputs.append(sorted((p.name, p.read_bytes()) for p in (tmp_path / run).iterdir()))
    assert outputs[0] == outputs[1]


def _bomb(tmp_path: Path) -> str:
    # 12,000 x 12,000 one-bit pixels: a tiny file that decodes to 144 megapixels.
    return save(tmp_path, "bomb.png", Image.new("1", (12000, 12000)))


def _truncated(tmp_path: Path) -> str:
    buffer = io.BytesIO()
    Image.effect_noise((800, 600), 64).convert("RGB").save(buffer, "JPEG")
    (tmp_path / "cut.jpg").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    return "cut.jpg"


def _not_an_image(tmp_path: Path) -> str:
    (tmp_path / "page.jpg").write_text("<html><script>alert(1)</script></html>", encoding="utf-8")
    return "page.jpg"


def _animated(tmp_path: Path) -> str:
    frames = [Image.new("RGB", (40, 40), colour) for colour in ("red", "blue")]
    frames[0].save(tmp_path / "anim.webp", save_all=True, append_images=frames[1:])
    return "anim.webp"


def _too_heavy(tmp_path: Path) -> str:
    (tmp_path / "heavy.png").write_bytes(b"\x89PNG" + b"\0" * (2 * 1024 * 1024))
    return "heavy.png"


IMAGE_FAULTS: dict[str, tuple[Callable[[Path], str], str]] = {
    "decompression bomb": (_bomb, "解压炸弹"),
    "truncated JPEG": (_truncated, "损坏或不完整"),
    "HTML named .jpg": (_not_an_image, "无法识别的图片"),
    "animated image": (_animated, "动图"),
    "file over the size limit": (_too_heavy, "图片文件太大"),
}


@pytest.mark.parametrize("fault", list(IMAGE_FAULTS))
def test_each_image_fault_fails_with_a_clear_message(fault: str, tmp_path: Path) -> None:
    make, message = IMAGE_FAULTS[fault]
    name = make(tmp_path)
    with pytest.raises(ImageError) as raised:
        pipeline(tmp_path, image_mb=1, image_megapixels=50).process(name)
    assert message in raised.value.zh and raised.value.en


def test_image_faults_fail_the_build_naming_the_file(content_copy: Path) -> None:
    _truncated(content_copy / "news/group/2024")
    found = problems_of(content_copy)
    assert any("news/group/2024/cut.jpg" in p and "损坏或不完整" in p for p in found)


def test_images_processed_in_workers_give_each_its_result_or_its_fault(
    content_copy: Path, tmp_path: Path
) -> None:
    folder = content_copy / "news/group/2024"
    for name in ("copy-a.jpg", "copy-b.jpg"):  # the same bytes: encoded at once, one entry
        Image.new("RGB", (900, 600), "teal").save(folder / name)
    Image.new("RGB", (700, 500), "navy").save(folder / "other.png")
    _truncated(folder)
    parallel = build_catalog(content_copy, FIXED_NOW, POLICY, tmp_path / "cache", workers=2)
    serial = build_catalog(content_copy, FIXED_NOW, POLICY, tmp_path / "serial", workers=1)
    assert parallel.images == serial.images
    assert {f"news/group/2024/{n}" for n in ("copy-a.jpg", "copy-b.jpg", "other.png")} <= set(
        parallel.images
    )
    faults = [e for e in parallel.errors if e.path.endswith("cut.jpg")]
    assert len(faults) == 1 and "损坏或不完整" in faults[0].zh
    assert [e.format() for e in parallel.errors] == [e.format() for e in serial.errors]


def test_svg_is_refused(content_copy: Path) -> None:
    (content_copy / "news/group/2024/logo.svg").write_text(
        '<svg onload="alert(1)"/>', encoding="utf-8"
    )
    found = problems_of(content_copy)
    assert any("logo.svg" in p and "SVG" in p for p in found)


def test_images_in_bodies_need_alt_text_and_get_srcset(content_copy: Path, tmp_path: Path) -> None:
    append_body(content_copy, "![](plant.png)")
    assert any("缺少说明文字" in p for p in problems_of(content_copy))
    body = content_copy / ARTICLE
    body.write_text(
        body.read_text(encoding="utf-8").replace("![](plant.png)", "![水厂外景](plant.png)"),
        encoding="utf-8",
    )
    output = build_into(content_copy, tmp_path / "out")
    html = (output / "news/group/2024/plant-upgrade/index.html").read_text(encoding="utf-8")
    image = BeautifulSoup(html, "html.parser").find(class_="sw-prose").img
    assert image.attrs == {
        "alt": "水厂外景",
        "src": "/news/group/2024/plant.png",
        "srcset": "/news/group/2024/plant.w60.webp 60w",
        "sizes": "(min-width: 48rem) 46rem, 100vw",
        "width": "60",
        "height": "40",
        "loading": "lazy",
        "decoding": "async",
    }


# --- files ----------------------------------------------------------------------------


def test_paths_leaving_the_content_folder_are_refused(content_copy: Path) -> None:
    path = content_copy / ARTICLE
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "file: report.pdf", "file: ../../../../../etc/passwd.pdf"
        ),
        encoding="utf-8",
    )
    append_body(
        content_copy, "[密码](../../../../../../etc/passwd)", "news/industry/standard-news.md"
    )
    found = problems_of(content_copy)
    assert any(ARTICLE in p and "content 文件夹以外" in p for p in found), "in a file field"
    assert any("standard-news.md" in p and "content 文件夹以外" in p for p in found), (
        "in a body link"
    )


def test_disguised_attachment_is_refused(content_copy: Path) -> None:
    (content_copy / "news/group/2024/report.pdf").write_text(
        "<html><script>alert(1)</script></html>", encoding="utf-8"
    )
    found = problems_of(content_copy)
    assert any("report.pdf" in p and "文件内容与扩展名 .pdf 不符" in p for p in found)


def test_attachment_size_limit(content_copy: Path, tmp_path: Path) -> None:
    (content_copy / "news/group/2024/big.zip").write_bytes(
        b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024)
    )
    policy = POLICY.model_copy(update={"limits": Limits(attachment_mb=1)})
    catalog = build_catalog(content_copy, FIXED_NOW, policy, tmp_path / "cache")
    assert any("big.zip" in e.path and "附件太大" in e.zh for e in catalog.errors)


# --- security headers --------------------------------------------------------------------


def test_security_headers_are_strict() -> None:
    policy = HEADERS["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert CSP["script-src"] == ["'self'", "'wasm-unsafe-eval'"], "WebAssembly for search, no eval"
    assert CSP["default-src"] == ["'none'"] and CSP["frame-ancestors"] == ["'none'"]
    for name in (
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Permissions-Policy",
        "Cross-Origin-Resource-Policy",
    ):
        assert name in HEADERS
    assert int(HSTS["Strict-Transport-Security"].split("max-age=")[1].split(";")[0]) >= 15552000


def test_generated_header_files_are_current() -> None:
    for relative, text in rendered_files().items():
        assert (ROOT / relative).read_text(encoding="utf-8") == text, (
            f"run invoke headers: {relative}"
        )
    cdn = json.loads((ROOT / "deploy/cdn/security-headers.json").read_text(encoding="utf-8"))
    assert cdn["Content-Security-Policy"] == HEADERS["Content-Security-Policy"]


def test_policy_file_problems_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "safety.yml"
    bad.write_text("allowed_hosts: gov.cn\nlimits:\n  image_mb: lots\n", encoding="utf-8")
    with pytest.raises(ContentErrors) as raised:
        load_policy(bad)
    fields = {e.field for e in raised.value.errors}
    assert {"allowed_hosts", "limits.image_mb"} <= fields


def test_unrelated_policy_copy_keeps_hosts() -> None:
    assert SafetyPolicy(allowed_hosts=["gov.cn"]).host_allowed("beian.miit.gov.cn")
    assert not SafetyPolicy(allowed_hosts=["gov.cn"]).host_allowed("gov.cn.evil.example")


def test_only_the_site_search_form_is_allowed() -> None:
    ours = '<form class="sw-search" role="search" action="/search/" method="get" data-search-form>'
    assert not list(scan_page("search/index.html", ours.encode(), POLICY))
    phishing = (
        '<form action="https://www.gov.cn/login" method="post"><input name="password"></form>'
    )
    assert any("表单" in f.zh for f in scan_page("x/index.html", phishing.encode(), POLICY))


@pytest.mark.parametrize(
    "size", [(3000, 2000), (1921, 1081), (1440, 900), (961, 1), (481, 7), (100, 50)]
)
def test_an_image_sized_before_it_is_encoded_has_the_encoded_sizes(
    size: tuple[int, int], tmp_path: Path
) -> None:
    """Pages are rendered with the sizes known when the content is read; the files
    are encoded meanwhile, and must be those sizes."""
    name = save(tmp_path, "photo.png", Image.new("RGB", size, "orange"))
    sized = pipeline(tmp_path).process(name, encode=False)
    assert not pipeline(tmp_path).is_encoded(sized)
    encoded = ImagePipeline(tmp_path, tmp_path / "other-cache", Limits()).process(name)
    assert sized == encoded
    pipeline(tmp_path).encode(sized)
    out = tmp_path / "site"
    pipeline(tmp_path).publish(sized, out)
    for variant in sized.files():
        with Image.open(out / variant.path) as published:
            assert published.size == (variant.width, variant.height)


def test_an_image_that_fails_to_encode_fails_the_build_naming_it(
    content_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Image.new("RGB", (900, 600), "teal").save(content_copy / "news/group/2024/photo.jpg")

    encode = ImagePipeline._encode

    def fails(self: ImagePipeline, path: Path, folder: Path) -> dict[str, list[int]]:
        if path.name == "photo.jpg":
            raise ImageError("编码失败", "encoding failed")
        return encode(self, path, folder)

    monkeypatch.setattr(ImagePipeline, "_encode", fails)  # in the forked worker too
    settings = load_settings(content=content_copy, output=tmp_path / "out", now=FIXED_NOW)
    settings["WATERSITE_CACHE_DIR"] = str(tmp_path / "cache")
    with pytest.raises(ContentErrors) as raised:
        build(settings)
    [error] = raised.value.errors
    assert error.path == f"{content_copy}/news/group/2024/photo.jpg" and error.zh == "编码失败"
    assert not (tmp_path / "out/news/group/2024/photo.jpg").exists()


def test_a_built_page_that_fails_the_guard_fails_the_build_leaving_nothing_behind(
    content_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A template that lets a script through stops the build, naming page and
    file; the search documents cut meanwhile are deleted with the failed build."""
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    base = theme / "templates/base.html"
    base.write_text(
        base.read_text(encoding="utf-8").replace("</body>", "<script>alert(1)</script></body>"),
        encoding="utf-8",
    )
    memory = tmp_path / "memory"  # where the search documents go
    memory.mkdir()
    monkeypatch.setattr(search_index, "_MEMORY_DIR", memory)
    settings = load_settings(content=content_copy, output=tmp_path / "output", now=FIXED_NOW)
    settings["THEME"] = str(theme)
    settings["WATERSITE_CACHE_DIR"] = str(tmp_path / "cache")
    with pytest.raises(ContentErrors) as failed:
        build(settings)
    errors = failed.value.errors
    del failed  # its frames hold the build
    assert any(
        e.path == "content/news/group/2024/plant-upgrade.md"
        and "/news/group/2024/plant-upgrade/index.html 未通过安全检查" in e.zh
        and "不属于网站主题的脚本" in e.zh
        for e in errors
    )
    gc.collect()
    assert list(memory.iterdir()) == []
