"""Test settings: the project's settings with file-backed test databases.

File-backed SQLite (not :memory:) matters: the live server answers requests on several threads,
and each thread must get its own connection, as the web server and worker do in production.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("BIGIN_SANDBOX_ENABLED", "1")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")
os.environ.setdefault("BIGIN_SANDBOX_CONTROL_TOKEN", "tests-only-sandbox-control-token")

from bigin_ui.settings import *  # noqa: E402,F403
from bigin_ui.settings import DATABASES  # noqa: E402

_TEST_DIR = Path(os.environ.get("BIGIN_UI_TEST_DIR") or tempfile.mkdtemp(prefix="bigin_ui_test_"))
os.environ["BIGIN_UI_TEST_DIR"] = str(_TEST_DIR)

for alias, config in DATABASES.items():
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["TEST"] = {"NAME": str(_TEST_DIR / f"test_{alias}.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
WHITENOISE_AUTOREFRESH = True
