"""Command modules: each defines ``app``, a Typer of its command (or its group of commands), loaded when used."""

# In --help, in this order, with these summaries (the first line of each command's help; a test keeps them equal),
# so that `chuangye --help` lists the commands without loading them.
SUMMARIES = {
    "compute": "Compute every indicator for every unit, and for parents derived from their children.",
    "validate": "Check returns and report every fault with its file, sheet, Excel row, column and field.",
    "check": "Judge every unit against a standard: value, threshold, gap, shortfall; and coverage per level.",
    "explain": "Show one unit's counts, each indicator's division, and each rule's threshold and shortfall.",
    "merge": "Consolidate returns into the one return sent up: every unit's row, their total, signed off.",
    "diff": "Show what changed between two versions of a year's return: units, counts, indicators and verdicts.",
    "template": "Write a blank return to fill in: headers, drop-downs, number checks and a 填表说明 sheet.",
    "schema": "Print a JSON Schema: of compute's or check's JSON, of validate's report, of a standard file or a row.",
    "standards": "List the shipped standards and show one's rules.",
    "formulas": "List the indicators and explain how each is computed.",
}
