"""The layout's links, reversed once per process, are the ones ``{% url %}`` gave."""

from __future__ import annotations

from django.urls import reverse, set_script_prefix

from bigin_ui.metadata.schema import MODULES
from bigin_ui.web.context_processors import NAV_URL_NAMES, nav_links


def test_the_links_are_the_url_confs():
    urls, modules = nav_links()
    assert urls == {name: reverse(name) for name in NAV_URL_NAMES}
    assert [url for url, _label in modules] == [reverse("new_record", args=[m])
                                                for m in MODULES]


def test_each_url_prefix_gets_its_own_links():
    try:
        set_script_prefix("/bigin/")
        urls, modules = nav_links()
        assert urls["review"] == "/bigin/review/" == reverse("review")
        assert modules[0][0].startswith("/bigin/records/")
    finally:
        set_script_prefix("/")
    assert nav_links()[0]["review"] == "/review/"


def test_an_admin_page_links_every_part_of_the_app(admin_client):
    text = admin_client.get("/review/").content.decode()
    for name in NAV_URL_NAMES:
        assert f'"{reverse(name)}' in text, name
    for module in MODULES:
        assert f'href="{reverse("new_record", args=[module])}"' in text
