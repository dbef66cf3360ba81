#!/usr/bin/env python3
"""Generates raydeck/resources/crd_defaults.json: every ``default:`` of KubeRay's CRDs, per kind.

Reads the CRDs from the test bed's cache (``~/.cache/raydeck-testbed/kuberay-crd/``, or
RAYDECK_TESTBED_CACHE) when it exists, else from KubeRay's source archive in the project's
shared/testbed folder (RAYDECK_SHARED, default the folder beside this checkout). Run it with
raydeck's venv: ``.venv/bin/python scripts/crd_defaults.py`` (``--check`` only compares).
tests/resources/test_crd_defaults.py imports it to prove the checked-in table is current.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tarfile
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
TABLE = REPO / "raydeck" / "resources" / "crd_defaults.json"
ARCHIVE_NAME = "kuberay-ray-operator-v1.7.0.tar.gz"
#: The version of each CRD raydeck serves (ray.io/v1).
VERSION = "v1"


def archive_path() -> Path:
    shared = Path(os.environ.get("RAYDECK_SHARED", REPO.parent / "shared"))
    return shared / "testbed" / ARCHIVE_NAME


def cache_dir() -> Path:
    cache = os.environ.get("RAYDECK_TESTBED_CACHE", str(Path.home() / ".cache" / "raydeck-testbed"))
    return Path(cache) / "kuberay-crd"


def crds_from_archive(archive: Path) -> list[dict[str, Any]]:
    """The CRDs in ``ray-operator/config/crd/bases/`` of KubeRay's source archive."""
    if not archive.is_file():
        raise SystemExit(
            f"KubeRay's source archive {archive} is absent: set RAYDECK_SHARED to the folder "
            "that holds testbed/, or build the test bed's cache"
        )
    crds = []
    with tarfile.open(archive) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if "/ray-operator/config/crd/bases/" in member.name and member.name.endswith(".yaml"):
                extracted = tar.extractfile(member)
                assert extracted is not None, member.name
                crds.append(yaml.safe_load(extracted.read()))
    if not crds:
        raise SystemExit(f"{archive} holds no ray-operator/config/crd/bases/*.yaml")
    return crds


def crds_from_dir(folder: Path) -> list[dict[str, Any]]:
    return [yaml.safe_load(p.read_text()) for p in sorted(folder.glob("*.yaml"))]


def load_crds() -> list[dict[str, Any]]:
    folder = cache_dir()
    if folder.is_dir() and any(folder.glob("*.yaml")):
        return crds_from_dir(folder)
    return crds_from_archive(archive_path())


def defaults_tree(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The parts of an OpenAPI schema that lead to a ``default``, or None where none does.

    A node is ``{"defaults": {field: value}, "properties": {field: node}, "items": node,
    "additionalProperties": node}``, each key present only when it holds something.
    """
    node: dict[str, Any] = {}
    defaults = {}
    children = {}
    for name, prop in sorted((schema.get("properties") or {}).items()):
        if "default" in prop:
            if prop.get("nullable"):
                raise SystemExit(
                    f"{name}: a nullable field with a default; the table cannot say so"
                )
            defaults[name] = prop["default"]
        child = defaults_tree(prop)
        if child is not None:
            children[name] = child
    if defaults:
        node["defaults"] = defaults
    if children:
        node["properties"] = children
    for key in ("items", "additionalProperties"):
        sub = schema.get(key)
        if isinstance(sub, dict):
            child = defaults_tree(sub)
            if child is not None:
                node[key] = child
    return node or None


def table(crds: list[dict[str, Any]]) -> dict[str, Any]:
    """Kind name -> the defaults tree of its served ``v1`` schema."""
    result = {}
    for crd in crds:
        kind = crd["spec"]["names"]["kind"]
        (version,) = [v for v in crd["spec"]["versions"] if v["name"] == VERSION]
        result[kind] = defaults_tree(version["schema"]["openAPIV3Schema"]) or {}
    return dict(sorted(result.items()))


def rendered(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only compare with the checked-in table"
    )
    args = parser.parse_args()
    text = rendered(table(load_crds()))
    if args.check:
        if TABLE.read_text() != text:
            print(
                f"{TABLE.relative_to(REPO)} is out of date: run scripts/crd_defaults.py",
                file=sys.stderr,
            )
            return 1
        return 0
    TABLE.write_text(text)
    print(f"wrote {TABLE.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
