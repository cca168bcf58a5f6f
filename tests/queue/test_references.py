from __future__ import annotations

import pytest

from bigin_ui.queue.references import iter_row_refs, resolve_refs


def test_refs_are_found_anywhere_in_a_payload():
    payload = {"Account_Name": {"$row": 3}, "Associated_Products": [{"Product": {"$row": 4}}],
               "Participants": [{"type": "contact", "participant": {"$row": 5}}]}
    assert sorted(iter_row_refs(payload)) == [3, 4, 5]


def test_resolving_puts_in_the_parents_bigin_id():
    payload = {"Account_Name": {"$row": 3}, "Last_Name": "Doe"}
    assert resolve_refs(payload, {3: "111"}.get) == {"Account_Name": {"id": "111"},
                                                     "Last_Name": "Doe"}


def test_a_parent_without_an_id_cannot_be_resolved():
    with pytest.raises(KeyError):
        resolve_refs({"Account_Name": {"$row": 3}}, {}.get)


def test_queued_rows_inside_a_multiselect_lookup_are_resolved_in_place():
    payload = {"Secondary_Contacts": [{"id": "900"}, {"$row": 4}]}
    assert sorted(iter_row_refs(payload)) == [4]
    assert resolve_refs(payload, {4: "222"}.get) == {
        "Secondary_Contacts": [{"id": "900"}, {"id": "222"}]}
