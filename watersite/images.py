"""Images are processed, never copied blindly.

Each image under content/ is opened with Pillow under size and pixel limits
(decompression bombs fail), decoded in full (truncated files fail), turned
upright from its EXIF orientation, and re-encoded from bare pixels so that no
EXIF, GPS, XMP or ICC metadata survives. Large photos are scaled down, and
WebP copies at several widths are made for `srcset`.

Photos straight from a phone just work: HEIC/HEIF (iPhone) is decoded with
pillow-heif and published as JPEG next to where it was (photo.heic → photo.jpg);
a rotated or 12-megapixel JPEG is turned upright and scaled down.

Work is cached by the SHA-256 of the file's bytes (and the pipeline version),
so a rebuild only decodes new or changed images. Encoder settings are fixed,
so the same input always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from watersite.safety import Limits

#: Bump when the output of the pipeline changes, to invalidate the cache.
PIPELINE_VERSION = 1
#: Widths of the WebP copies, in CSS pixels of a typical layout.
WIDTHS = (480, 960, 1440)
#: Nothing we publish is wider than this; phone photos are scaled down to it.
MAX_WIDTH = 1920
JPEG_OPTIONS = {"quality": 82, "optimize": True, "progressive": True}
WEBP_OPTIONS = {"quality": 78, "method": 4}
PNG_OPTIONS = {"optimize": True}
SAVE_FORMAT = {
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "png": "PNG",
    "webp": "WEBP",
    "heic": "JPEG",
    "heif": "JPEG",
}
#: Formats browsers cannot show, published under another extension.
PUBLISHED_SUFFIX = {"heic": ".jpg", "heif": ".jpg"}

register_heif_opener()


class ImageError(Exception):
    """An image that cannot be published, with the reason in both languages."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class Variant:
    """One published file of an image."""

    path: str  # relative to the output folder
    width: int
    height: int

    @property
    def url(self) -> str:
        """Site-relative URL."""
        return "/" + self.path


@dataclass(frozen=True)
class ProcessedImage:
    """An image ready to publish: the cleaned original and its WebP widths."""

    source: str  # relative to the content root
    digest: str  # cache key
    main: Variant  # re-encoded in the original format at the original path (HEIC: JPEG, .jpg)
    webp: tuple[Variant, ...]  # narrowest first

    @property
    def url(self) -> str:
        """URL of the cleaned original (its src)."""
        return self.main.url

    @property
    def width(self) -> int:
        """Published width in pixels."""
        return self.main.width

    @property
    def height(self) -> int:
        """Published height in pixels."""
        return self.main.height

    @property
    def srcset(self) -> str:
        """The WebP copies as a `srcset` value."""
        return ", ".join(f"{v.url} {v.width}w" for v in self.webp)

    def files(self) -> list[Variant]:
        """Every file this image publishes."""
        return [self.main, *self.webp]


class ImagePipeline:
    """Validates, cleans and resizes images, with a cache keyed by content hash."""

    def __init__(self, content_root: Path, cache_dir: Path, limits: Limits):
        self.content_root = content_root
        self.cache_dir = cache_dir
        self.limits = limits

    def process(self, source: str, *, encode: bool = True) -> ProcessedImage:
        """The processed image for content file `source`; raise ImageError if unusable.

        Without `encode`, an image not in the cache yet is decoded (every fault an
        image can have shows then) and sized, not encoded: `encode` it before
        publishing (its sizes, which pages show, are the same).
        """
        path = self.content_root / source
        size = path.stat().st_size
        if size > self.limits.image_mb * 1024 * 1024:
            raise ImageError(
                f"图片文件太大（{size / 1024 / 1024:.1f} MB），上限 {self.limits.image_mb} MB。请缩小后再提交。",
                f"The image is {size / 1024 / 1024:.1f} MB; the limit is {self.limits.image_mb} MB.",
            )
        data = path.read_bytes()
        settings = (
            f"{PIPELINE_VERSION}:{WIDTHS}:{MAX_WIDTH}:{JPEG_OPTIONS}:{WEBP_OPTIONS}:{PNG_OPTIONS}"
        )
        digest = hashlib.sha256(settings.encode() + b"\0" + data).hexdigest()
        folder = self._folder(digest)
        meta = folder / "meta.json"
        if meta.is_file():
            sizes = json.loads(meta.read_text(encoding="utf-8"))
        elif encode:
            sizes = self._encode(path, folder)
        else:
            sizes = _sizes(*self._decode(path).size)
        return _describe(source, digest, sizes)

    def is_encoded(self, image: ProcessedImage) -> bool:
        """Whether `image`'s files are in the cache."""
        return (self._folder(image.digest) / "meta.json").is_file()

    def encode(self, image: ProcessedImage) -> None:
        """Encode `image` (processed without encoding) into the cache."""
        self._encode(self.content_root / image.source, self._folder(image.digest))

    def _folder(self, digest: str) -> Path:
        """Where the cache keeps the files of the image with `digest`."""
        return self.cache_dir / digest[:2] / digest

    def _encode(self, path: Path, folder: Path) -> dict[str, list[int]]:
        image = self._decode(path)
        extension = path.suffix[1:].lower()
        if image.width > MAX_WIDTH:
            image = _scaled(image, MAX_WIDTH)
        # Its own work folder: a copy of the same image may be encoded by another worker.
        work = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        main = image.convert("RGB") if SAVE_FORMAT[extension] == "JPEG" else image
        main.save(work / "main", SAVE_FORMAT[extension], **_options(extension))
        sizes = _sizes(image.width, image.height)
        for width in _webp_widths(image.width):
            copy = image if width == image.width else _scaled(image, width)
            copy.save(work / f"{width}.webp", "WEBP", **WEBP_OPTIONS)
        (work / "meta.json").write_text(json.dumps(sizes), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        try:
            work.rename(folder)  # complete or absent: never a half-written cache entry
        except OSError:  # another worker's copy of the same image got there first
            shutil.rmtree(work, ignore_errors=True)
        return sizes

    def _decode(self, path: Path) -> Image.Image:
        limit = self.limits.image_megapixels * 1_000_000
        Image.MAX_IMAGE_PIXELS = limit
        try:
            with warnings.catch_warnings():
                # Pillow only warns between the limit and twice the limit.
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(path) as opened:
                    if getattr(opened, "n_frames", 1) > 1:
                        raise ImageError(
                            "这是动图，网站只接受静态图片。请导出为 JPEG 或 PNG。",
                            "Animated images are not accepted; export a still JPEG or PNG.",
                        )
                    opened.load()  # decode everything: a truncated file fails here
                    upright = ImageOps.exif_transpose(opened)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(
                f"图片像素过多（超过 {self.limits.image_megapixels} 百万像素），可能是恶意的“解压炸弹”。"
                "请缩小图片尺寸后再提交。",
                f"The image has more than {self.limits.image_megapixels} megapixels (possible "
                "decompression bomb); scale it down.",
            ) from None
        except UnidentifiedImageError:
            raise ImageError(
                "无法识别的图片：文件内容不是 JPEG、PNG、WebP 或 HEIC 图片（扩展名可能被改过）。",
                "Not a JPEG, PNG, WebP or HEIC image (the extension may have been changed).",
            ) from None
        except OSError as exc:
            raise ImageError(
                f"图片文件已损坏或不完整，无法完整读取（{exc}）。请重新导出或重新上传。",
                f"The image is damaged or truncated and cannot be read in full ({exc}).",
            ) from None
        return _bare(upright)

    def publish(self, image: ProcessedImage, output: Path) -> list[str]:
        """Copy an image's processed files from the cache into the output folder;
        the files' paths there."""
        folder = self._folder(image.digest)
        target = output / image.main.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / "main", target)
        for variant in image.webp:
            shutil.copyfile(folder / f"{variant.width}.webp", output / variant.path)
        return [image.main.path, *(variant.path for variant in image.webp)]


def _bare(image: Image.Image) -> Image.Image:
    """The same pixels in a fresh image: no EXIF, GPS, XMP, ICC or other metadata."""
    mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info else "RGB"
    pixels = image.convert(mode)
    return Image.frombytes(mode, pixels.size, pixels.tobytes())


def _scaled(image: Image.Image, width: int) -> Image.Image:
    return image.resize((width, _height(image.size, width)), Image.Resampling.LANCZOS)


def _height(size: tuple[int, int], width: int) -> int:
    """The height of an image of `size` scaled to `width`."""
    return max(1, round(size[1] * width / size[0]))


def _sizes(width: int, height: int) -> dict[str, list[int]]:
    """The sizes an upright image of `width` × `height` is published at: the main
    file (at most MAX_WIDTH wide) and each WebP width (what `_encode` makes)."""
    if width > MAX_WIDTH:
        width, height = MAX_WIDTH, _height((width, height), MAX_WIDTH)
    sizes = {"main": [width, height]}
    for webp in _webp_widths(width):
        sizes[str(webp)] = [webp, height if webp == width else _height((width, height), webp)]
    return sizes


def _webp_widths(width: int) -> list[int]:
    return [w for w in WIDTHS if w < width] + [width]


def _options(extension: str) -> dict[str, object]:
    return {"JPEG": JPEG_OPTIONS, "PNG": PNG_OPTIONS, "WEBP": WEBP_OPTIONS}[SAVE_FORMAT[extension]]


def published_path(source: str) -> str:
    """Where an image from content file `source` is published (HEIC becomes JPEG)."""
    path = PurePosixPath(source)
    suffix = PUBLISHED_SUFFIX.get(path.suffix[1:].lower())
    return str(path.with_suffix(suffix)) if suffix else source


def _describe(source: str, digest: str, sizes: dict[str, list[int]]) -> ProcessedImage:
    path = PurePosixPath(source)
    main = Variant(published_path(source), *sizes["main"])
    webp = tuple(
        Variant(str(path.with_name(f"{path.stem}.w{width}.webp")), *sizes[str(width)])
        for width in sorted(int(k) for k in sizes if k != "main")
    )
    return ProcessedImage(source, digest, main, webp)
