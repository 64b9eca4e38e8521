"""Validation: the row schema, the return's checks and the rule kinds."""
