"""Search criteria: ``(Field:operator:value)`` joined by ``and``/``or`` in brackets.

Values escape ``(``, ``)`` and ``\\`` with a backslash, as Zoho asks. ``and`` binds tighter
than ``or``. Operators: equals and starts_with.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

OPERATORS = frozenset({"equals", "starts_with"})


class QueryError(ValueError):
    pass


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    value: str


@dataclass(frozen=True)
class Group:
    operator: str  # "and" | "or"
    items: tuple[Condition | Group, ...]


Node = Condition | Group
_JOIN = re.compile(r"\s*(and|or)\s*", re.IGNORECASE)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def parse(self) -> Node:
        node = self._expression()
        self._space()
        if self.pos != len(self.text):
            raise QueryError(f"unexpected text at {self.pos}")
        return node

    def _space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _expression(self) -> Node:
        terms = [self._term()]
        joins: list[str] = []
        while True:
            match = _JOIN.match(self.text, self.pos)
            if not match or not self.text.startswith("(", match.end()):
                break
            self.pos = match.end()
            joins.append(match.group(1).lower())
            terms.append(self._term())
        ors: list[list[Node]] = [[terms[0]]]
        for join, term in zip(joins, terms[1:], strict=True):
            if join == "and":
                ors[-1].append(term)
            else:
                ors.append([term])
        ands: list[Node] = [g[0] if len(g) == 1 else Group("and", tuple(g)) for g in ors]
        return ands[0] if len(ands) == 1 else Group("or", tuple(ands))

    def _term(self) -> Node:
        self._space()
        if not self.text.startswith("(", self.pos):
            raise QueryError(f"expected '(' at {self.pos}")
        self.pos += 1
        self._space()
        if self.text.startswith("(", self.pos):
            node = self._expression()
            self._space()
            if not self.text.startswith(")", self.pos):
                raise QueryError(f"expected ')' at {self.pos}")
            self.pos += 1
            return node
        return self._condition()

    def _condition(self) -> Condition:
        parts: list[str] = [""]
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\" and self.pos < len(self.text):
                parts[-1] += self.text[self.pos]
                self.pos += 1
            elif char == ")":
                break
            elif char == ":" and len(parts) < 3:
                parts.append("")
            else:
                parts[-1] += char
        else:
            raise QueryError("unclosed condition")
        if len(parts) != 3 or not parts[0].strip() or parts[2] == "":
            raise QueryError("a condition is (Field:operator:value)")
        field, operator, value = parts[0].strip(), parts[1].strip().lower(), parts[2]
        if operator not in OPERATORS:
            raise QueryError(f"unsupported operator {operator!r}")
        return Condition(field, operator, value)


def parse_criteria(text: str) -> Node:
    return _Parser(text.strip()).parse()


def conditions(node: Node) -> Iterator[Condition]:
    if isinstance(node, Condition):
        yield node
    else:
        for item in node.items:
            yield from conditions(item)


def searchable_strings(value: Any) -> list[str]:
    """The strings a stored value can be found by: lookups by name or id, lists item-wise."""
    if value is None:
        return []
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, (int, float)):
        return [_number_text(value)]
    if isinstance(value, dict):
        return [str(value[k]) for k in ("name", "id", "email") if value.get(k) is not None]
    if isinstance(value, list):
        return [s for item in value for s in searchable_strings(item)]
    return [str(value)]


def _number_text(value: int | float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def condition_matches(condition: Condition, value: Any) -> bool:
    wanted = condition.value.strip().casefold()
    candidates = [s.strip().casefold() for s in searchable_strings(value)]
    if condition.operator == "starts_with":
        return any(c.startswith(wanted) for c in candidates)
    if any(c == wanted for c in candidates):
        return True
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return float(condition.value) == float(value)
        except ValueError:
            return False
    return False


def matches(node: Node, record: dict[str, Any]) -> bool:
    if isinstance(node, Condition):
        return condition_matches(node, record.get(node.field))
    results = (matches(item, record) for item in node.items)
    return all(results) if node.operator == "and" else any(results)
