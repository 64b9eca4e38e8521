"""Outputs: every format written, whole or not at all."""
