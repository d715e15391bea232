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

:func:`load` is how the readers call them: libyaml's C parser (``yaml.CSafeLoader``, ten
times faster) with the same constructor (so a duplicate or list key is refused at the same
line), and the pure-Python loader whenever the C one would not give exactly its answer —
an alias in the document, any YAML error, a character the Python reader refuses — so
every error, and its wording, is the Python loader's.
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


class _AliasSeen(Exception):
    """The C-composed document shares a node: it has an alias (the Python loader says where)."""


def _check_no_alias(node: yaml.Node) -> None:
    """libyaml composes an alias as the anchored node itself: a node met twice is an alias."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            raise _AliasSeen
        seen.add(id(item))
        if isinstance(item, yaml.SequenceNode):
            stack.extend(item.value)
        elif isinstance(item, yaml.MappingNode):
            for key, value in item.value:
                stack.append(key)
                stack.append(value)


def _c_loader(python_loader: type) -> type | None:
    """A ``yaml.CSafeLoader`` with ``python_loader``'s constructors and implicit resolvers."""
    base = getattr(yaml, "CSafeLoader", None)
    if base is None:
        return None

    class Fast(base):  # type: ignore[misc, valid-type]
        def get_single_node(self):  # noqa: ANN201 - PyYAML's signature
            node = super().get_single_node()
            if node is not None:
                _check_no_alias(node)
            return node

    Fast.yaml_constructors = dict(python_loader.yaml_constructors)
    Fast.yaml_multi_constructors = dict(python_loader.yaml_multi_constructors)
    Fast.yaml_implicit_resolvers = {k: list(v) for k, v
                                    in python_loader.yaml_implicit_resolvers.items()}
    Fast.__name__ = Fast.__qualname__ = f"C{python_loader.__name__}"
    return Fast


_FAST = {loader: _c_loader(loader) for loader in (StrictLoader, NoDatesLoader)}
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE


def load(text: str, loader: type = StrictLoader):  # noqa: ANN201 - any YAML value
    """``yaml.load(text, Loader=loader)`` for :class:`StrictLoader` / :class:`NoDatesLoader`,
    through libyaml when that gives the same value (module docstring)."""
    fast = _FAST.get(loader)
    if fast is not None and not _NON_PRINTABLE.search(text):
        try:
            return yaml.load(text, Loader=fast)  # noqa: S506 - a safe loader
        except (_AliasSeen, yaml.YAMLError):
            pass  # the Python loader below gives the one error, worded as always
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
