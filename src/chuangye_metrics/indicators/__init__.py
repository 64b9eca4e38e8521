"""Indicators: every unit's values from its counts, column-wise."""
