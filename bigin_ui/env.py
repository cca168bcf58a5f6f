"""Typed readers for environment variables (12-factor configuration).

Kept free of Django so settings.py and the standalone tools can share it.
"""

from __future__ import annotations

import os


class ConfigError(ValueError):
    """An environment variable holds a value we cannot use."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_mapping(name: str) -> dict[str, str]:
    """Parse ``A=x,B=y`` into ``{"A": "x", "B": "y"}``."""
    result: dict[str, str] = {}
    for item in env_list(name):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"{name} must look like Module=Field,Module=Field; got {item!r}")
        result[key.strip()] = value.strip()
    return result


def persistent_secret(path: os.PathLike[str] | str) -> str:
    """A random secret kept in ``path``, created on first use.

    A self-hosted install then works without configuration, and keeps its sessions and
    encrypted values across restarts. Two processes starting together agree on one value.
    """
    import secrets
    from pathlib import Path

    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return target.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
        return target.read_text().strip()
    except OSError as exc:  # not a directory, read-only, no permission
        raise ConfigError(f"Cannot keep {target.name} in {target.parent} "
                          f"({exc.strerror or exc}): point BIGIN_UI_DATA_DIR at a directory "
                          "this user may write to.") from None
