"""CDN purges: tell the CDN to drop exactly the URLs a deploy changed.

A provider is chosen by `DEPLOY_CDN`; each batches within its API's limit.
Without `DEPLOY_CDN` the purge is skipped with a message (short cache times on
pages keep a CDN-less or unconfigured setup correct within minutes).

- `cloudfront`: CreateInvalidation (paths), up to 1000 paths a request;
- `aliyun`: Alibaba Cloud CDN RefreshObjectCaches (full URLs), 1000 a request;
  the account's daily quota is counted in URLs, which is why the deploy
  purges only what changed;
- `nginx`: a local caching proxy standing in for a CDN in tests and staging;
  each URL is fetched with `X-Purge: 1`, which the proxy treats as a refresh.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

import boto3

from watersite.deploy.config import DeployConfig

log = logging.getLogger(__name__)

CLOUDFRONT_BATCH = 1000
ALIYUN_BATCH = 1000


def batches(items: list[str], size: int) -> list[list[str]]:
    """`items` in consecutive chunks of at most `size`."""
    return [items[start : start + size] for start in range(0, len(items), size)]


@dataclass
class PurgeResult:
    """What a purge did."""

    provider: str
    urls: int
    requests: int


Purge = Callable[[list[str], str], PurgeResult]


def purge_cloudfront(config: DeployConfig, paths: list[str], release: str) -> PurgeResult:
    """CloudFront invalidations of site paths (/news/, /news/index.html ...)."""
    env = config.environ
    client = boto3.client(
        "cloudfront",
        endpoint_url=env.get("DEPLOY_CLOUDFRONT_ENDPOINT") or None,
        region_name="us-east-1",
        aws_access_key_id=config.access_key,
        aws_secret_access_key=config.secret_key,
    )
    chunks = batches(paths, CLOUDFRONT_BATCH)
    for number, chunk in enumerate(chunks):
        client.create_invalidation(
            DistributionId=env["DEPLOY_CLOUDFRONT_DISTRIBUTION_ID"],
            InvalidationBatch={
                "Paths": {"Quantity": len(chunk), "Items": chunk},
                "CallerReference": f"{release}-{number}",
            },
        )
    return PurgeResult("cloudfront", len(paths), len(chunks))


def purge_aliyun(config: DeployConfig, paths: list[str], release: str) -> PurgeResult:
    """Alibaba Cloud CDN refresh of full URLs (https://www.example.gov.cn/news/)."""
    # The SDK takes half a second to import: only deploys that purge Alibaba Cloud pay.
    from alibabacloud_cdn20180510 import models as cdn_models  # noqa: PLC0415
    from alibabacloud_cdn20180510.client import Client  # noqa: PLC0415
    from alibabacloud_tea_openapi import models as openapi_models  # noqa: PLC0415

    env = config.environ
    endpoint = env.get("DEPLOY_ALIYUN_ENDPOINT") or "cdn.aliyuncs.com"
    client = Client(
        openapi_models.Config(
            access_key_id=env["ALIBABA_CLOUD_ACCESS_KEY_ID"],
            access_key_secret=env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
            endpoint=endpoint.split("://")[-1],
            protocol="http" if endpoint.startswith("http://") else "https",
        )
    )
    urls = [config.base_url + path for path in paths]
    chunks = batches(urls, ALIYUN_BATCH)
    for chunk in chunks:
        client.refresh_object_caches(
            cdn_models.RefreshObjectCachesRequest(object_path="\n".join(chunk), object_type="File")
        )
    return PurgeResult("aliyun", len(urls), len(chunks))


def purge_nginx(config: DeployConfig, paths: list[str], release: str) -> PurgeResult:
    """Refresh each URL in a local nginx cache (`proxy_cache_bypass $http_x_purge`)."""
    base = config.environ["DEPLOY_NGINX_PURGE_URL"].rstrip("/")
    for path in paths:
        request = urllib.request.Request(base + path, headers={"X-Purge": "1"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except urllib.error.HTTPError as error:
            if error.code != 404:  # a deleted file: its 404 is now cached instead
                raise
    return PurgeResult("nginx", len(paths), len(paths))


PROVIDERS = {"cloudfront": purge_cloudfront, "aliyun": purge_aliyun, "nginx": purge_nginx}
#: Settings each provider needs besides DEPLOY_CDN.
PROVIDER_SETTINGS = {
    "cloudfront": ("DEPLOY_CLOUDFRONT_DISTRIBUTION_ID",),
    "aliyun": ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
    "nginx": ("DEPLOY_NGINX_PURGE_URL",),
}


def purge(config: DeployConfig, paths: list[str], release: str) -> PurgeResult | None:
    """Purge `paths` through the configured provider; None (with a message) if none is."""
    # The release id keeps each message distinct: Pelican's logger class drops
    # repeated identical warnings for the rest of the process.
    if not config.cdn:
        log.warning(
            "未设置 DEPLOY_CDN，跳过 CDN 刷新 / DEPLOY_CDN not set: purge skipped (%s)", release
        )
        return None
    missing = [name for name in PROVIDER_SETTINGS[config.cdn] if not config.environ.get(name)]
    if missing:
        log.warning(
            "CDN %s 缺少设置 %s，跳过 CDN 刷新 / CDN %s is not configured (%s): purge skipped (%s)",
            config.cdn, ", ".join(missing), config.cdn, ", ".join(missing), release,
        )  # fmt: skip
        return None
    if not paths:
        return PurgeResult(config.cdn, 0, 0)
    return PROVIDERS[config.cdn](config, paths, release)
