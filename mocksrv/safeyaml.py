"""YAML with bounded alias expansion: a 1 KB "billion laughs" file is refused before it is built.

PyYAML shares an aliased node, so composing a bomb is cheap; what blows up is everything that later
walks the data as a tree (schema checks, compiling a raw body). The composed graph is measured first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

MAX_ALIAS_GROWTH = 100_000  # nodes that aliases may add on top of the file's own


class ExpansionError(ValueError):
    """Refused before construction; `pointer` is where the limit was crossed."""

    def __init__(self, pointer: str, message: str):
        super().__init__(message)
        self.pointer = pointer
        self.message = message


def load_yaml(text: str) -> Any:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _check_expansion(root: yaml.Node) -> None:
    sizes: dict[int, int] = {}  # expanded size of every node measured so far
    active: set[int] = set()  # the nodes on the current path, to catch an alias to an ancestor
    growth = 0

    def visit(node: yaml.Node, pointer: str) -> int:
        nonlocal growth
        key = id(node)
        if key in active:
            raise ExpansionError(pointer or "/", "a YAML alias refers to a node that contains it")
        if key in sizes:  # reached again through an alias: the copy is what it would cost
            growth += sizes[key]
            if growth > MAX_ALIAS_GROWTH:
                raise ExpansionError(
                    pointer or "/", f"YAML aliases expand the file by more than {MAX_ALIAS_GROWTH} nodes"
                )
            return sizes[key]
        active.add(key)
        size = 1 + sum(visit(child, pointer + "/" + step) for step, child in _children(node))
        active.discard(key)
        sizes[key] = size
        return size

    visit(root, "")


def _children(node: yaml.Node) -> Iterator[tuple[str, yaml.Node]]:
    if isinstance(node, yaml.SequenceNode):
        yield from ((str(i), child) for i, child in enumerate(node.value))
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            step = name.replace("~", "~0").replace("/", "~1")
            yield step, key
            yield step, value
