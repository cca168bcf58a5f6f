"""`manage.py check --deploy` with the production settings prints no warning.

Runs in a subprocess with a clean environment, as an operator's server would start, so CI
fails on any new deployment warning (Django's own, django-csp's or django-axes').
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# What README "Configuration" recommends behind a TLS proxy.
PRODUCTION = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "crm-entry.intranet.example",
    "CSRF_TRUSTED_ORIGINS": "https://crm-entry.intranet.example",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
    "TRUSTED_PROXY_COUNT": "1",
}


def check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
             "DJANGO_SETTINGS_MODULE": "bigin_ui.settings", "BIGIN_UI_DATA_DIR": str(tmp_path),
             "SECRET_KEY": secrets.token_urlsafe(50), **env}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level",
         "WARNING"], env=clean, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy_without_a_warning(tmp_path):
    result = check_deploy(tmp_path, **PRODUCTION)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNING" not in output.upper().replace("--FAIL-LEVEL WARNING", ""), output


def test_the_defaults_are_flagged_so_the_check_can_fail(tmp_path):
    result = check_deploy(tmp_path, DEBUG="false")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in output, output


def test_a_malformed_proxy_header_is_a_clear_error(tmp_path):
    result = check_deploy(tmp_path, **{**PRODUCTION, "SECURE_PROXY_SSL_HEADER": "https"})
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER must look like HTTP_X_FORWARDED_PROTO,https" in (
        result.stderr)
