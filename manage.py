#!/usr/bin/env python
from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bigin_ui.settings")
    from bigin_ui.cli import main

    main(sys.argv)
