"""Images: publish the catalog's cleaned and resized images.

The catalog has already validated and sized every image (watersite/images.py);
this plugin encodes those not in the cache yet (cached by content hash) and
copies the results into the output folder. Encoding runs in a forked worker from
the moment the content is read while Pelican builds its context on one core
(≈ 0.1 s per image), and publishing comes after the pages are rendered: pages
need only the images' sizes. Pelican's static copying never sees images (the
contract plugin leaves them out of STATIC_PATHS), so no original with its EXIF
or GPS data is ever published.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pelican import signals
from pelican.generators import Generator

from watersite.catalog import display_name
from watersite.errors import ContentError, ContentErrors
from watersite.images import ImageError, ProcessedImage
from watersite.output import wrote
from watersite.plugins.contract import catalog_of
from watersite.workers import in_background


class ImagesGenerator(Generator):
    """Encodes each image not in the cache yet, from the moment it is made (just
    after the content is read), and writes each image and its WebP widths."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        catalog = catalog_of(self.settings)
        pipeline = catalog.pipeline
        assert pipeline is not None

        def encode(image: ProcessedImage) -> tuple[str, str] | None:
            try:
                pipeline.encode(image)
            except ImageError as problem:  # as text: what a worker gives back is pickled
                return problem.zh, problem.en
            return None

        self.images = list(catalog.images.values())
        # One of each: copies of an image (the same bytes) share their cache entry.
        pending = {i.digest: i for i in self.images if not pipeline.is_encoded(i)}
        self.pending = list(pending.values())
        self.encoded = in_background(
            encode, self.pending, self.settings.get("WATERSITE_RENDER_WORKERS")
        )

    def generate_output(self, writer: Any) -> None:
        """Copy the encoded images from the cache into the output folder."""
        catalog = catalog_of(self.settings)
        faults = [
            ContentError(display_name(catalog, image.source), 0, "", *fault)
            for image, fault in zip(self.pending, self.encoded(), strict=True)
            if fault is not None
        ]
        if faults:
            raise ContentErrors(faults)
        pipeline = catalog.pipeline
        assert pipeline is not None
        for image in self.images:
            wrote(self.output_path, pipeline.publish(image, Path(self.output_path)))


def get_generators(pelican: Any) -> type[Generator]:
    """Register the images generator."""
    return ImagesGenerator


def register() -> None:
    """Connect to Pelican's signals."""
    signals.get_generators.connect(get_generators)
