"""Where the shipped formulas and standards are, installed or in a source checkout."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from chuangye_metrics.core.errors import ConfigError


def formulas_dir() -> Path:
    """The folder holding the shipped formulas YAML."""
    packaged = Path(str(files("chuangye_metrics"))) / "_data" / "formulas"
    if packaged.is_dir():
        return packaged
    source_tree = Path(__file__).resolve().parents[3] / "formulas"
    if source_tree.is_dir():
        return source_tree
    raise ConfigError("the shipped formulas folder is missing from this installation; reinstall chuangye-metrics")
