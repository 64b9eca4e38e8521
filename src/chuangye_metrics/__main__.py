"""Allow ``python -m chuangye_metrics``."""

from chuangye_metrics.cli.app import main

main()
