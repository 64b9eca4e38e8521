"""Indicator calculator for entrepreneurial-city (创业型城市) statistical returns."""

__version__ = "0.1.0"
