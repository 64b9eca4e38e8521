"""Configuration: the catalogue of fields, levels and indicators, the expression language, header mappings."""
