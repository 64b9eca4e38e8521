"""The comparison operators of rules and standards, defined once: the test, its tolerant form and its symbol."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np

Operator = Literal[">=", ">", "<=", "<", "=="]
OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}
SYMBOLS: dict[str, str] = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}
LOWER_BOUNDS = (">=", ">")
"""Operators that set a floor: a value above the threshold clears it."""
TOLERANCE = 1e-9
"""Values are quotients of whole numbers: a value this close (relative) to its threshold is on it."""


def symbol(op: str) -> str:
    """The operator as printed for people: ≥, ≤, >, <, =."""
    return SYMBOLS.get(op, op)


def passes(op: str, values: np.ndarray, threshold: float) -> np.ndarray:
    """The comparison, with values within a relative TOLERANCE of the threshold taken as equal to it."""
    import numpy as np

    slack = TOLERANCE * max(1.0, abs(threshold))
    with np.errstate(invalid="ignore"):
        if op == ">=":
            return np.asarray(values >= threshold - slack)
        if op == ">":
            return np.asarray(values > threshold + slack)
        if op == "<=":
            return np.asarray(values <= threshold + slack)
        if op == "<":
            return np.asarray(values < threshold - slack)
        return np.asarray(np.abs(values - threshold) <= slack)
