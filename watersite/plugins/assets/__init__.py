"""Theme assets: bundles named by their content hash.

Each bundle is the files of one folder of `theme/assets/`, concatenated in
file-name order into `theme/<name>.<hash>.<ext>`. A hashed name lets the CDN
cache it for a year and makes every change a new URL. Files in `theme/static/`
(favicons) are copied to the site root unchanged.

Templates get the URLs as `ASSET_URLS.<bundle>`:
- `css`: the layered style sheet (settings, base, objects, components, ...);
- `js`: progressive enhancements, loaded with `defer` on every page;
- `head`: the few lines that must run before the first paint (elder mode);
- `search`: the search page's script, loaded on that page only.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.generators import Generator

from watersite.output import write_unless_same

BUNDLE_DIR = "theme"
HASH_LENGTH = 12
#: Bundle name -> (folder under theme/assets, extension, file name stem).
BUNDLES = {
    "css": ("css", "css", "site"),
    "js": ("js", "js", "site"),
    "head": ("head", "js", "head"),
    "search": ("search", "js", "search"),
}


def bundle(folder: Path, extension: str, stem: str) -> tuple[str, bytes]:
    """Concatenate `folder/*.extension` in name order; return (hashed name, bytes)."""
    parts = [path.read_bytes().rstrip() + b"\n" for path in sorted(folder.glob(f"*.{extension}"))]
    data = b"".join(parts)
    digest = hashlib.sha256(data).hexdigest()[:HASH_LENGTH]
    return f"{stem}.{digest}.{extension}", data


class AssetsGenerator(Generator):
    """Builds the bundles once per run and writes them with the root files."""

    def generate_context(self) -> None:
        """Compute bundle names so every template can link them."""
        assets = Path(self.theme) / "assets"
        self.bundles = {
            name: bundle(assets / folder, extension, stem)
            for name, (folder, extension, stem) in BUNDLES.items()
        }
        self.context["ASSET_URLS"] = {
            kind: f"/{BUNDLE_DIR}/{name}" for kind, (name, _) in self.bundles.items()
        }

    def generate_output(self, writer: Any) -> None:
        """Write the bundles and copy theme/static/* to the site root."""
        for name, data in self.bundles.values():
            write_unless_same(self.output_path, f"{BUNDLE_DIR}/{name}", data)
        for path in sorted((Path(self.theme) / "static").iterdir()):
            if path.is_file():
                write_unless_same(self.output_path, path.name, path.read_bytes())


def get_generators(pelican: Any) -> type[Generator]:
    """Register the assets generator."""
    return AssetsGenerator


def register() -> None:
    """Connect to Pelican's signals."""
    signals.get_generators.connect(get_generators)
