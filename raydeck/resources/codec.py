"""YAML and JSON text in and out: multi-document files, errors with their line.

The API, CLI and console all read user files through ``load_documents``; the
YAML tab and export use ``dump_yaml``. It parses text only; ``validation.py``
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
    """Every non-empty document of a YAML (or JSON) stream; each must be a mapping."""
    try:
        documents = [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]
    except yaml.YAMLError as e:
        raise InvalidInput("the YAML cannot be parsed", [FieldError("", _describe(e))]) from None
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
