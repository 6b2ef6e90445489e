"""Images: publish the catalog's cleaned and resized images.

The catalog has already validated and processed every image (watersite/images.py,
cached by content hash); this plugin copies the results into the output folder.
Pelican's static copying never sees images (the contract plugin leaves them out
of STATIC_PATHS), so no original with its EXIF or GPS data is ever published.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pelican import signals
from pelican.generators import Generator

from watersite.plugins.contract import catalog_of


class ImagesGenerator(Generator):
    """Writes each processed image and its WebP widths."""

    def generate_output(self, writer: Any) -> None:
        """Copy processed images from the cache into the output folder."""
        catalog = catalog_of(self.settings)
        assert catalog.pipeline is not None
        for image in catalog.images.values():
            catalog.pipeline.publish(image, Path(self.output_path))


def get_generators(pelican: Any) -> type[Generator]:
    """Register the images generator."""
    return ImagesGenerator


def register() -> None:
    """Connect to Pelican's signals."""
    signals.get_generators.connect(get_generators)
