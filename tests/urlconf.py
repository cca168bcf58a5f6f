"""Every page of the URL conf as a concrete URL, for tests that must cover all of them."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver


def url_patterns(patterns=None, prefix: str = "") -> Iterator[tuple[str, str, list[str]]]:
    """(route, name, parameter names) of every URL pattern, Django admin's excepted."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            yield from url_patterns(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.name or "", list(pattern.pattern.converters)


def fill(route: str, name: str, params: list[str], values: dict[str, str]) -> str:
    """The route with its parameters filled: ``pk`` is the run's on run pages, the import's on
    import pages (when given), else the row's;
    any other parameter by its name in ``values``, "x" when absent."""
    path = route
    for param in params:
        if param == "pk":
            value = values["run"] if name == "run_status" else (
                values.get("import", values["row"]) if name.startswith("import_")
                else values["row"])
        else:
            value = values.get(param, "x")
        path = path.replace(f"<{param}>", value)
        for converter in ("int", "str", "path", "slug"):
            path = path.replace(f"<{converter}:{param}>", value)
    return "/" + path


def concrete_urls(values: dict[str, str]) -> list[tuple[str, str]]:
    """(name, URL) for every pattern."""
    return [(name, fill(route, name, params, values)) for route, name, params in url_patterns()]
