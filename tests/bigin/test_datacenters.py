from __future__ import annotations

import pytest

from bigin_ui.bigin.datacenters import DATA_CENTRES, data_centre


def test_eight_data_centres():
    assert sorted(DATA_CENTRES) == ["au", "ca", "cn", "eu", "in", "jp", "sa", "us"]


def test_canada_uses_zohocloud_for_oauth():
    assert data_centre("CA").accounts_url == "https://accounts.zohocloud.ca"
    assert data_centre("ca").api_domain == "https://www.zohoapis.ca"


def test_unknown_data_centre_is_a_clear_error():
    with pytest.raises(ValueError, match="use one of"):
        data_centre("mars")
