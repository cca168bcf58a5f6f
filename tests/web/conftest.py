from __future__ import annotations

import pytest

from tests.factories import store_contacts_metadata


@pytest.fixture
def contacts_metadata(db):
    store_contacts_metadata()
