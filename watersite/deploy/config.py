"""Deploy settings from environment variables; credentials never live in files.

Missing or malformed settings stop the deploy with one message listing them
all, before anything is built or uploaded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

#: Variable -> what it is, for messages and the README.
REQUIRED = {
    "DEPLOY_S3_ENDPOINT": "S3 兼容存储的地址 / S3-compatible endpoint, e.g. https://oss-cn-hangzhou.aliyuncs.com",
    "DEPLOY_S3_BUCKET": "存储桶名称 / bucket name",
    "DEPLOY_S3_REGION": "区域 / region, e.g. cn-hangzhou",
    "DEPLOY_BASE_URL": "网站公开地址 / public base URL, e.g. https://www.example.gov.cn",
    "AWS_ACCESS_KEY_ID": "访问密钥 ID / access key id",
    "AWS_SECRET_ACCESS_KEY": "访问密钥 / secret access key",
}
OPTIONAL = {
    "DEPLOY_DELETE_LIMIT": "一次最多删除的文件数（默认 256）/ deletion guard, default 256",
    "DEPLOY_CDN": "CDN 服务商：cloudfront、aliyun 或 nginx（不设则不刷新）/ CDN provider",
    "DEPLOY_CLOUDFRONT_DISTRIBUTION_ID": "CloudFront 分发 ID",
    "DEPLOY_CLOUDFRONT_ENDPOINT": "CloudFront API 地址（测试用）/ API endpoint override",
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "阿里云 CDN 的访问密钥 ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "阿里云 CDN 的访问密钥",
    "DEPLOY_ALIYUN_ENDPOINT": "阿里云 CDN API 地址（默认 cdn.aliyuncs.com）",
    "DEPLOY_NGINX_PURGE_URL": "nginx 缓存的刷新地址（本地模拟 CDN）/ nginx cache to refresh",
}
DEFAULT_DELETE_LIMIT = 256


class DeployConfigError(SystemExit):
    """Settings are missing or wrong; uncaught, Python prints the message."""


@dataclass(frozen=True)
class DeployConfig:
    """Where and how to deploy."""

    endpoint: str
    bucket: str
    region: str
    base_url: str
    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    delete_limit: int = DEFAULT_DELETE_LIMIT
    cdn: str = ""
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DeployConfig:
        """Read and check the settings; raise DeployConfigError naming every problem."""
        # CI systems pass a variable that is not set as an empty string: the same thing.
        env = {k: v for k, v in (os.environ if environ is None else environ).items() if v.strip()}
        problems = [
            f"  {name}：{meaning}"
            for name, meaning in REQUIRED.items()
            if not env.get(name, "").strip()
        ]
        for name in ("DEPLOY_S3_ENDPOINT", "DEPLOY_BASE_URL"):
            value = env.get(name, "")
            if value and urlsplit(value).scheme not in ("http", "https"):
                problems.append(f"  {name}：“{value}”不是 http(s) 地址 / is not an http(s) URL")
        limit = env.get("DEPLOY_DELETE_LIMIT", str(DEFAULT_DELETE_LIMIT))
        if not limit.isdigit():
            problems.append(f"  DEPLOY_DELETE_LIMIT：“{limit}”应为整数 / must be a whole number")
        cdn = env.get("DEPLOY_CDN", "").strip()
        if cdn and cdn not in ("cloudfront", "aliyun", "nginx"):
            problems.append(f"  DEPLOY_CDN：“{cdn}”只能是 cloudfront、aliyun 或 nginx")
        if problems:
            raise DeployConfigError(
                "部署设置缺失或有误，未上传任何文件。请设置以下环境变量（见 README“部署”一节）：\n"
                "Deploy settings are missing or wrong; nothing was uploaded. Set:\n"
                + "\n".join(problems)
            )
        return cls(
            endpoint=env["DEPLOY_S3_ENDPOINT"].rstrip("/"),
            bucket=env["DEPLOY_S3_BUCKET"],
            region=env["DEPLOY_S3_REGION"],
            base_url=env["DEPLOY_BASE_URL"].rstrip("/"),
            access_key=env["AWS_ACCESS_KEY_ID"],
            secret_key=env["AWS_SECRET_ACCESS_KEY"],
            delete_limit=int(limit),
            cdn=cdn,
            environ=env,
        )
