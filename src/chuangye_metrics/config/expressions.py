"""Safe arithmetic expressions over field ids: parsed into a tree, never passed to eval."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Union

_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d*)?|\.\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*/()]))")


class ExpressionError(ValueError):
    """The text is not a valid expression."""


@dataclass(frozen=True)
class Number:
    value: float

    def __str__(self) -> str:
        return f"{self.value:g}"


@dataclass(frozen=True)
class FieldRef:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Negate:
    operand: Expr

    def __str__(self) -> str:
        return f"-{_wrap(self.operand)}"


@dataclass(frozen=True)
class Binary:
    op: str
    left: Expr
    right: Expr

    def __str__(self) -> str:
        return f"{_wrap(self.left)} {self.op} {_wrap(self.right)}"


Expr = Union[Number, FieldRef, Negate, Binary]  # noqa: UP007 - used at run time by dataclasses

_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


def _wrap(expr: Expr) -> str:
    return f"({expr})" if isinstance(expr, Binary) else str(expr)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    stripped = text.rstrip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None or match.end() == position:
            raise ExpressionError(
                f"unexpected character {stripped[position:].strip()[:1]!r} at position {position + 1}"
            )
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


MAX_DEPTH = 200
"""How deep an expression may nest (parentheses, signs, and operators chained one on another): a real formula
nests a few levels; 10,000 parentheses would exhaust the interpreter's stack in the parser or in evaluate."""


class _Parser:
    """Recursive descent: sum := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.nesting = 0

    def parse(self) -> Expr:
        if not self.tokens:
            raise ExpressionError("empty expression")
        expr = self._sum()
        if self.index != len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.index][1]!r}")
        if depth(expr) > MAX_DEPTH:  # a long chain a + a + … is as deep as it is long
            raise ExpressionError(f"nested deeper than {MAX_DEPTH} levels")
        return expr

    def _nested(self) -> None:
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise ExpressionError(f"nested deeper than {MAX_DEPTH} levels")

    def _peek(self) -> str | None:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else None

    def _sum(self) -> Expr:
        expr = self._term()
        while self._peek() in ("+", "-"):
            op = self.tokens[self.index][1]
            self.index += 1
            expr = Binary(op, expr, self._term())
        return expr

    def _term(self) -> Expr:
        expr = self._factor()
        while self._peek() in ("*", "/"):
            op = self.tokens[self.index][1]
            self.index += 1
            expr = Binary(op, expr, self._factor())
        return expr

    def _factor(self) -> Expr:
        if self.index >= len(self.tokens):
            raise ExpressionError("expression ends too early")
        kind, value = self.tokens[self.index]
        self.index += 1
        if kind == "number":
            return Number(float(value))
        if kind == "name":
            return FieldRef(value)
        if value in ("-", "+", "("):
            self._nested()
            try:
                if value == "-":
                    return Negate(self._factor())
                if value == "+":
                    return self._factor()
                expr = self._sum()
                if self._peek() != ")":
                    raise ExpressionError("missing ')'")
                self.index += 1
                return expr
            finally:
                self.nesting -= 1
        raise ExpressionError(f"unexpected {value!r}")


def parse(text: str) -> Expr:
    """Parse an expression such as ``(entrepreneurs + startup_jobs) / labour_force``."""
    return _Parser(str(text)).parse()


def depth(expr: Expr) -> int:
    """How many levels the tree has (a field or number is 1), worked out without recursion."""
    deepest = 0
    stack: list[tuple[Expr, int]] = [(expr, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(node, Negate):
            stack.append((node.operand, level + 1))
        elif isinstance(node, Binary):
            stack += [(node.left, level + 1), (node.right, level + 1)]
    return deepest


def field_names(expr: Expr) -> list[str]:
    """The field ids an expression reads, in order of first appearance."""
    if isinstance(expr, FieldRef):
        return [expr.name]
    if isinstance(expr, Negate):
        return field_names(expr.operand)
    if isinstance(expr, Binary):
        names = field_names(expr.left)
        return names + [name for name in field_names(expr.right) if name not in names]
    return []


def evaluate(expr: Expr, values: Mapping[str, Any]) -> Any:
    """Evaluate over scalars or numpy arrays; NaN (missing) propagates, x/0 gives NaN."""
    import numpy as np

    if isinstance(expr, Number):
        return np.float64(expr.value)
    if isinstance(expr, FieldRef):
        return values[expr.name]
    if isinstance(expr, Negate):
        return -evaluate(expr.operand, values)
    left = evaluate(expr.left, values)
    right = evaluate(expr.right, values)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = _BINARY[expr.op](np.asarray(left, dtype="float64"), np.asarray(right, dtype="float64"))
    return np.where(np.isinf(result), np.nan, result) if expr.op == "/" else result


def checked(text: str) -> str:
    """``text`` when it parses as an expression; a ValueError naming it otherwise (for pydantic validators)."""
    try:
        parse(text)
    except ExpressionError as error:
        raise ValueError(f"bad expression {text!r}: {error}") from error
    return text


def sum_units(expr: Expr, unit_of: Callable[[str], str | None]) -> str | None:
    """The unit of the expression's value when it adds or subtracts fields (what ``unit_of`` gives for each);
    raises ExpressionError when a sum adds fields of different units (people to 万元, say)."""
    if isinstance(expr, FieldRef):
        return unit_of(expr.name)
    if isinstance(expr, Number):
        return None
    if isinstance(expr, Negate):
        return sum_units(expr.operand, unit_of)
    left, right = sum_units(expr.left, unit_of), sum_units(expr.right, unit_of)
    if expr.op in "*/":
        return None
    if left is not None and right is not None and left != right:
        raise ExpressionError(f"{expr} adds {left} to {right}")
    return left or right
