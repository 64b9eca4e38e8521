"""The heavy third-party modules: imported inside the functions that use them, so that `chuangye --help` stays fast."""

# Top-level packages; an import inside a function must be of one of these (tests/test_architecture.py).
HEAVY_MODULES = frozenset(
    {
        "fastexcel",  # the reader (calamine)
        "numpy",
        "opencc",  # traditional to simplified characters
        "openpyxl",  # template workbooks
        "pandas",
        "polars",  # JSON lines serialised column-wise
        "pyarrow",
        "xlsxwriter",  # the Excel report
    }
)
