"""A RayService's ``serveConfigV2``: Serve's own config format, carried as a YAML string.

``parse_serve_config`` reads the string, checks what raydeck and KubeRay rely
on (one or more applications, each with an import path, unique names and
unique route prefixes) and reports each problem with its line in the string.
Everything else, what an import path names included, is Serve's to judge when
the config is applied (KubeRay leaves it to Serve too).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import yaml

from raydeck.errors import FieldError

PATH = "spec.serveConfigV2"
DEFAULT_APP_NAME = "default"
DEFAULT_ROUTE_PREFIX = "/"


@dataclass(frozen=True)
class ServeApp:
    name: str
    route_prefix: str | None
    import_path: str


@dataclass(frozen=True)
class ServeConfig:
    """The parsed config: the whole document (what is sent to Serve) and its applications."""

    document: dict[str, Any]  # the serveConfigV2 YAML as parsed: Ray Serve's own schema
    apps: tuple[ServeApp, ...]

    def fingerprint(self) -> str:
        """Equal for configs that mean the same, whatever their YAML layout."""
        canonical = json.dumps(self.document, sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def for_local_cluster(self, *, port: int) -> dict[str, Any]:
        """The document to deploy on a local cluster (Serve's config, JSON out): Serve's HTTP
        proxy on the cluster's own loopback port, on the head only (every node of a local
        cluster shares one address)."""
        document = dict(self.document)
        http = dict(document.get("http_options") or {})
        http.update(host="127.0.0.1", port=port)
        document["http_options"] = http
        document["proxy_location"] = "HeadOnly"
        return document


class _Problems:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, node: yaml.Node | None, message: str) -> None:
        where = f"line {node.start_mark.line + 1}: " if node is not None else ""
        self.errors.append(FieldError(PATH, f"{where}{message}"))


def parse_serve_config(text: str) -> tuple[ServeConfig | None, list[FieldError]]:
    """The config and no errors, or None and every problem found, each with its line."""
    if not text.strip():
        return None, [FieldError(PATH, "Required value: list the Serve applications to run")]
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        return None, [FieldError(PATH, f"{where}not valid YAML: {getattr(e, 'problem', e)}")]
    problems = _Problems()
    if not isinstance(root, yaml.MappingNode) or not isinstance(document, dict):
        problems.add(root, "must be a mapping with an 'applications' list")
        return None, problems.errors
    apps_node = _child(root, "applications")
    if not isinstance(apps_node, yaml.SequenceNode) or not apps_node.value:
        problems.add(apps_node or root, "'applications' must be a non-empty list")
        return None, problems.errors
    apps = [_app(node, problems) for node in apps_node.value]
    _check_unique(apps, problems)
    if problems.errors:
        return None, problems.errors
    return ServeConfig(document, tuple(app for app, _ in apps if app is not None)), []


def _app(node: yaml.Node, problems: _Problems) -> tuple[ServeApp | None, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, "each application must be a mapping")
        return None, node
    name_node, prefix_node, import_node = (
        _child(node, key) for key in ("name", "route_prefix", "import_path")
    )
    name = _scalar(name_node, DEFAULT_APP_NAME)
    if not name:
        problems.add(name_node, "application 'name' must not be empty")
    prefix: str | None = _scalar(prefix_node, DEFAULT_ROUTE_PREFIX)
    if prefix_node is not None and prefix_node.tag == "tag:yaml.org,2002:null":
        prefix = None  # an application reachable only through handles, not over HTTP
    elif prefix is not None and (not prefix.startswith("/") or "{" in prefix or "}" in prefix):
        problems.add(prefix_node, f"route_prefix {prefix!r} must start with '/' and have no braces")
    elif prefix is not None and len(prefix) > 1 and prefix.endswith("/"):
        problems.add(prefix_node, f"route_prefix {prefix!r} must not end with '/'")
    import_path = _scalar(import_node, "")
    if not import_path:
        # Serve's schema requires one; what it names is Serve's to judge when it imports it.
        problems.add(import_node or node, f"application {name!r} needs an 'import_path'")
    return ServeApp(name, prefix, import_path), name_node or node


def _check_unique(apps: list[tuple[ServeApp | None, yaml.Node]], problems: _Problems) -> None:
    names: set[str] = set()
    prefixes: set[str] = set()
    for app, node in apps:
        if app is None:
            continue
        if app.name in names:
            problems.add(node, f"application name {app.name!r} is used more than once")
        names.add(app.name)
        if app.route_prefix is None:
            continue
        if app.route_prefix in prefixes:
            problems.add(
                node, f"route_prefix {app.route_prefix!r} of {app.name!r} is used more than once"
            )
        prefixes.add(app.route_prefix)


def _child(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            found: yaml.Node = value_node
            return found
    return None


def _scalar(node: yaml.Node | None, default: str) -> str:
    if node is None:
        return default
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return ""
