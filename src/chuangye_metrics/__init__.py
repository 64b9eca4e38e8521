"""Indicator calculator for entrepreneurial-city (创业型城市) statistical returns."""

__version__ = "0.1.0"

# The layers, lowest first: a module imports only from its own layer and those before it (tests/test_architecture.py).
LAYERS = (
    "core",
    "config",
    "reading",
    "hierarchy",
    "indicators",
    "validation",
    "standards",
    "years",
    "upward",
    "pipeline",
    "outputs",
    "cli",
)
