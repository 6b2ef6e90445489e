"""Production settings: the development settings plus what the public site needs."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pelicanconf import *

SITE_BASE_URL = os.environ.get("DEPLOY_BASE_URL", "https://www.qinglan-water.example").rstrip("/")
# Drafts and scheduled items never reach the public site, whatever pelicanconf says.
WATERSITE_PREVIEW = False
