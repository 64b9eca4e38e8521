"""Command modules: each adds its commands to ``chuangye_metrics.cli.app.app`` when imported."""

# Listed first in --help, in this order; other modules follow alphabetically.
ORDER = ["compute", "validate", "check", "explain", "standards", "formulas", "template", "schema"]
