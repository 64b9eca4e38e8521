"""Command modules: each defines ``app``, a Typer of its command (or its group of commands), loaded when used."""

# In --help, in this order, each with the first line of its help in formulas/help.yaml, so that `chuangye --help`
# lists the commands without loading them.
COMMANDS = ("compute", "validate", "check", "explain", "merge", "diff", "template", "schema", "standards", "formulas")
