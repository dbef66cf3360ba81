"""YAML and JSON text in and out: multi-document files, errors with their line.

The API, CLI and console all read user files through ``load_documents``; the
YAML tab and export use ``dump_yaml``. It parses text only; ``validation/``
decides whether a document is a valid object.
"""

from __future__ import annotations

from typing import Any

import yaml

from raydeck.errors import FieldError, InvalidInput


class _Loader(yaml.SafeLoader):
    """Safe YAML, but timestamps stay strings as in the Kubernetes API."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_documents(text: str) -> list[dict[str, Any]]:
    """Every non-empty document of a YAML (or JSON) stream; each must be a mapping (raw YAML in:
    the kinds' parsers read them)."""
    try:
        documents = [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]
    except yaml.YAMLError as e:
        raise InvalidInput("the YAML cannot be parsed", [FieldError("", _describe(e))]) from None
    except RecursionError:
        raise InvalidInput(
            "the YAML cannot be parsed", [FieldError("body", "nested too deeply")]
        ) from None
    for index, document in enumerate(documents):
        if not isinstance(document, dict):
            raise InvalidInput(
                "the YAML cannot be used",
                [FieldError(f"document {index + 1}", "must be a mapping with apiVersion and kind")],
            )
    return documents


def _describe(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is None:
        return str(problem)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"


def dump_yaml(data: Any) -> str:
    """Block-style YAML keeping key order, as a user would write it."""
    if isinstance(data, list):
        return yaml.safe_dump_all(data, sort_keys=False, default_flow_style=False)
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False)


def line_of(text: str, path: str) -> int | None:
    """The 1-based line of the value at ``path`` (``spec.groups[0].name``) in a YAML document, or
    of the deepest part of it that exists; None if the text does not parse."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in _path_parts(path):
        child = _child(node, part)
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def _path_parts(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for piece in path.replace("]", "").split("."):
        name, *indexes = piece.split("[")
        if name:
            parts.append(name)
        parts += [int(i) for i in indexes if i.isdigit()]
    return parts


def _child(node: yaml.Node, part: str | int) -> yaml.Node | None:
    if isinstance(part, int) and isinstance(node, yaml.SequenceNode):
        found: yaml.Node | None = node.value[part] if part < len(node.value) else None
        return found
    if isinstance(part, str) and isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                matched: yaml.Node = value
                return matched
    return None
