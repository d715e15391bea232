"""The one strict YAML reading for the files planners write: catalogues, scenarios, region sets.

``StrictLoader`` is safe YAML that also refuses what would silently change the meaning:

- an alias (``*name``; :class:`minshi_geo.limits.SafeYamlLoader`): a few nested aliases
  expand to billions of nodes, and every format here has its own way to share a value;
- a duplicate key (:class:`DuplicateKey`): PyYAML keeps the last one, so a rule or a region
  would vanish unseen;
- a key that is a list or a mapping (:class:`KeyTypeRefused`): a key names something.

``NoDatesLoader`` also reads ``2023-06-30`` as text, for formats that validate dates
themselves with a location (the catalogue). Each reader turns these exceptions into its own
error naming the file and line, so messages keep their shape.
"""

from __future__ import annotations

import yaml

from minshi_geo import limits


class DuplicateKey(Exception):
    def __init__(self, key: object, line: int):
        super().__init__(f"line {line}: duplicate key {limits.shorten(repr(key))}")
        self.key, self.line = key, line


class KeyTypeRefused(Exception):
    def __init__(self, type_name: str, line: int):
        super().__init__(f"line {line}: a key must be a name, a number or a date, "
                         f"not a {type_name}")
        self.type_name, self.line = type_name, line


class StrictLoader(limits.SafeYamlLoader):
    """Safe YAML without aliases, duplicate keys or list/mapping keys."""


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
    out: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        line = key_node.start_mark.line + 1
        if isinstance(key, list | dict):
            raise KeyTypeRefused(type(key).__name__, line)
        if key in out:
            raise DuplicateKey(key, line)
        out[key] = loader.construct_object(value_node, deep=True)
    return out


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


class NoDatesLoader(StrictLoader):
    """:class:`StrictLoader` that reads dates as text."""


NoDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in StrictLoader.yaml_implicit_resolvers.items()
}
