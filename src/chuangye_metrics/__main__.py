"""Allow ``python -m chuangye_metrics``."""

from chuangye_metrics.cli import main

main()
