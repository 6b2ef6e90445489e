"""Pelican settings for development and preview builds.

`publishconf.py` imports these and changes only what production needs.
Organisation identity (name, contacts, filing numbers) is in organisation.yml;
the site map is in watersite/sections.py.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # our package, for `pelican content -s pelicanconf.py`
    sys.path.insert(0, str(ROOT))

from watersite.filters import FILTERS
from watersite.organisation import load_organisation
from watersite.safety import load_policy
from watersite.sections import collection_sections, page_sections, topics_section

# --- Site ----------------------------------------------------------------------
ORGANISATION = load_organisation(ROOT / "organisation.yml")
SITENAME = ORGANISATION.name
SITEURL = ""  # links are root-relative: /news/group/...
# Absolute URLs where they are required (feeds, sitemap, share metadata).
SITE_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_LANG = "zh-CN"
TIMEZONE = "Asia/Shanghai"
# BUILD_NOW pins the build clock (tests); otherwise SOURCE_DATE_EPOCH or the time now.

# --- Content -------------------------------------------------------------------
PATH = "content"
# Links, sensitive words, personal data and file limits (see safety.yml).
SAFETY = load_policy(ROOT / "safety.yml")
# Processed images, cached by content hash between builds.
WATERSITE_CACHE_DIR = str(ROOT / ".cache")
ARTICLE_PATHS = [s.path for s in collection_sections()]
PAGE_PATHS = [f"{s.path}.md" for s in page_sections()] + [topics_section().path]
ARTICLE_EXCLUDES: list[str] = []
PAGE_EXCLUDES: list[str] = []
# Images and attachments keep their path under content/. The contract plugin
# replaces STATIC_PATHS with the files the catalog accepted, on every run.
STATIC_PATHS: list[str] = []
IGNORE_FILES = [".*"]
# Two items may share a slug in different sections; they are not translations.
ARTICLE_TRANSLATION_ID = None
PAGE_TRANSLATION_ID = None
# Our reader sets every URL; Pelican's own listing pages are replaced by ours.
ARTICLE_URL = ARTICLE_SAVE_AS = ""
PAGE_URL = PAGE_SAVE_AS = ""
DRAFT_SAVE_AS = DRAFT_PAGE_SAVE_AS = ""
CATEGORY_SAVE_AS = TAG_SAVE_AS = AUTHOR_SAVE_AS = ""
CATEGORIES_SAVE_AS = TAGS_SAVE_AS = AUTHORS_SAVE_AS = ARCHIVES_SAVE_AS = ""
YEAR_ARCHIVE_SAVE_AS = MONTH_ARCHIVE_SAVE_AS = DAY_ARCHIVE_SAVE_AS = ""
DIRECT_TEMPLATES: list[str] = []
DEFAULT_PAGINATION = False
WITH_FUTURE_DATES = True  # the catalog decides what is published, against BUILD_NOW
CACHE_CONTENT = False

# --- Theme ---------------------------------------------------------------------
THEME = str(ROOT / "theme")
THEME_STATIC_PATHS: list[str] = []  # the assets plugin bundles and copies them
# auto_reload off: a build makes its generators' Jinja environments anew, and Jinja
# would otherwise check each template file's time at every include (a tenth of rendering).
JINJA_ENVIRONMENT = {
    "autoescape": True,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "auto_reload": False,
}
JINJA_FILTERS = FILTERS

# --- Plugins (run order; see watersite/plugins/README.md) -----------------------
PLUGINS = [
    "watersite.plugins.contract",
    "watersite.plugins.assets",
    "watersite.plugins.section_pages",
    "watersite.plugins.feeds",
    "watersite.plugins.parallel_render",
    "watersite.plugins.images",  # after the pages: it waits for images encoded meanwhile
    "watersite.plugins.output_guard",
    "watersite.plugins.search_index",
]
WATERSITE_RENDER_WORKERS = 0  # CPU-heavy build steps split over this many processes; 0: one per CPU
# Drafts and scheduled items shown, marked, as if published: `invoke serve` only.
WATERSITE_PREVIEW = False
WATERSITE_SEARCH_INDEX = True  # Pagefind over the built pages (watersite/plugins/search_index)
WATERSITE_LISTING_PAGE_SIZE = 15
WATERSITE_OUTAGE_LEAD_HOURS = 72

# --- Feeds ---------------------------------------------------------------------
# Pelican's category feeds are off: the feeds plugin writes one Atom feed per
# section and section group, with absolute URLs from SITE_BASE_URL.
FEED_ALL_ATOM = FEED_ALL_RSS = CATEGORY_FEED_ATOM = TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = None

# --- Output --------------------------------------------------------------------
OUTPUT_PATH = "output"
DELETE_OUTPUT_DIRECTORY = True
RELATIVE_URLS = False
