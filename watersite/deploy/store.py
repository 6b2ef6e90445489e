"""The bucket: the live files, plus the deploy's own records under `.deploy/`.

- `.deploy/objects/<sha256>`: a copy of every file ever deployed, by content.
  Live keys are written by server-side copy from here, so a rollback needs
  nothing from the build machine, and a file is uploaded once however many
  keys or releases use it.
- `.deploy/releases/<id>.json`: the manifest of each release;
  `.deploy/releases.json`: the history, the current release last.
- `.deploy/in-progress.json`: the plan of a deploy under way; if a deploy
  dies, the next one re-uploads those keys instead of trusting them.

Uploads are single-part (`put_object`), so the ETag is the MD5 of the content
on every S3-compatible store (multipart ETags are not).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from watersite.deploy.config import DeployConfig
from watersite.deploy.manifest import FileEntry, Manifest
from watersite.deploy.plan import RemoteObject

RECORDS = ".deploy/"
OBJECTS = RECORDS + "objects/"
RELEASES = RECORDS + "releases/"
HISTORY = RECORDS + "releases.json"
IN_PROGRESS = RECORDS + "in-progress.json"


class Store:
    """An S3-compatible bucket, addressed path-style."""

    def __init__(self, config: DeployConfig):
        self.bucket = config.bucket
        self.client = boto3.client(
            "s3",
            endpoint_url=config.endpoint,
            region_name=config.region,
            aws_access_key_id=config.access_key,
            aws_secret_access_key=config.secret_key,
            config=Config(
                s3={"addressing_style": "path"},
                # Single-part uploads with plain MD5 ETags, on stores that do not
                # know the newer checksum headers.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )

    def _list(self, prefix: str = "") -> Iterator[dict]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            yield from page.get("Contents", [])

    def live(self) -> dict[str, RemoteObject]:
        """Every site file the bucket holds (not the deploy's records)."""
        return {
            item["Key"]: RemoteObject(item["ETag"].strip('"'), item["Size"])
            for item in self._list()
            if not item["Key"].startswith(RECORDS)
        }

    def stored_digests(self) -> set[str]:
        """SHA-256 of every file kept under .deploy/objects/."""
        return {item["Key"][len(OBJECTS) :] for item in self._list(OBJECTS)}

    def keep(self, sha256: str, data: bytes) -> None:
        """Keep a file's content under its digest."""
        self.client.put_object(Bucket=self.bucket, Key=OBJECTS + sha256, Body=data)

    def publish(self, key: str, entry: FileEntry) -> None:
        """Make `key` live with its content (from the kept copy) and headers."""
        self.client.copy_object(
            Bucket=self.bucket,
            Key=key,
            CopySource={"Bucket": self.bucket, "Key": OBJECTS + entry.sha256},
            ContentType=entry.content_type,
            CacheControl=entry.cache_control,
            Metadata={"sha256": entry.sha256},
            MetadataDirective="REPLACE",
        )

    def delete(self, keys: list[str]) -> None:
        """Delete live files, up to 1000 a request."""
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    def read_text(self, key: str) -> str | None:
        """A record's text, or None if it does not exist."""
        try:
            return (
                self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read().decode("utf-8")
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise

    def write_text(self, key: str, text: str) -> None:
        """Write a record."""
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=text.encode("utf-8"),
            ContentType="application/json; charset=utf-8",
        )

    # --- releases -----------------------------------------------------------------------

    def history(self) -> list[str]:
        """Release ids, oldest first; the last one is live."""
        text = self.read_text(HISTORY)
        return json.loads(text)["releases"] if text else []

    def manifest(self, release: str) -> Manifest:
        """The manifest of a release."""
        text = self.read_text(f"{RELEASES}{release}.json")
        if text is None:
            raise FileNotFoundError(release)
        return Manifest.from_json(text)

    def current(self) -> tuple[str | None, Manifest | None]:
        """The live release and its manifest (None before the first deploy)."""
        history = self.history()
        return (history[-1], self.manifest(history[-1])) if history else (None, None)

    def record_release(self, release: str, manifest: Manifest, history: list[str]) -> None:
        """Store a manifest and the new history (the release is live from now on)."""
        self.write_text(f"{RELEASES}{release}.json", manifest.to_json())
        self.write_text(HISTORY, json.dumps({"releases": history}, indent=1) + "\n")

    def in_progress(self) -> set[str]:
        """Keys a deploy that did not finish meant to upload."""
        text = self.read_text(IN_PROGRESS)
        return set(json.loads(text)["uploads"]) if text else set()

    def begin(self, uploads: list[str]) -> None:
        """Note the keys about to change, so that a failure is recoverable."""
        self.write_text(IN_PROGRESS, json.dumps({"uploads": uploads}))

    def finish(self) -> None:
        """The deploy completed."""
        self.client.delete_object(Bucket=self.bucket, Key=IN_PROGRESS)
