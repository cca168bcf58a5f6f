from __future__ import annotations

from django.contrib.auth.models import Group

from bigin_ui.queue.rows import create_row
from bigin_ui.roles import SALES_GROUP


def sales(django_user_model, name, *args):
    """A person in the sales group (a person without a role may not search)."""
    user = django_user_model.objects.create_user(name, *args)
    user.groups.add(Group.objects.get_or_create(name=SALES_GROUP)[0])
    return user


def test_lookup_finds_bigin_records_and_my_queued_rows(synced, client, django_user_model):
    user = sales(django_user_model, "lou", "lou@example.com", "pw-lookup-123")
    client.force_login(user)
    queued = create_row(module="Accounts", payload={"Account_Name": "Zylker Queued"}, owner=user)
    html = client.get("/lookup/Accounts/", {"q": "Zylker", "target": "Account_Name"}).content
    text = html.decode()
    assert "Zylker Corp" in text
    assert f'data-value="row:{queued.pk}"' in text
    assert "queued here" in text


def test_lookup_needs_two_characters(synced, client, django_user_model):
    client.force_login(sales(django_user_model, "lou2"))
    assert b"data-value" not in client.get("/lookup/Accounts/", {"q": "Z"}).content


def test_related_to_searches_the_module_it_names(synced, client, django_user_model):
    client.force_login(sales(django_user_model, "lou3"))
    html = client.get("/lookup/Contacts/", {"q": "Cruise", "$se_module": "Pipelines"}).content
    assert b"Cruise Package" in html


def test_lookup_reports_bigin_being_unreachable_without_failing(db, client, settings,
                                                               django_user_model):
    settings.BIGIN_SANDBOX_URL = "http://127.0.0.1:9/sandbox"
    client.force_login(sales(django_user_model, "lou4"))
    response = client.get("/lookup/Accounts/", {"q": "Zylker"})
    assert response.status_code == 200
    assert b"Bigin search failed" in response.content


def test_without_scripts_find_lists_matches_and_a_pick_is_saved(synced, client,
                                                                django_user_model):
    client.force_login(sales(django_user_model, "nojs"))
    found = client.post("/records/Contacts/new/", {
        "Last_Name": "Fallback", "Account_Name": "", "Account_Name__q": "Zylker",
        "_lookup": "Account_Name"})
    html = found.content.decode()
    assert found.status_code == 200
    assert 'name="Account_Name__pick" value="2034020000000489301"' in html
    assert "Zylker Corp" in html
    from bigin_ui.queue.models import Row

    assert not Row.objects.exists()  # a search is not a save
    saved = client.post("/records/Contacts/new/", {
        "Last_Name": "Fallback", "Account_Name": "", "Account_Name__q": "Zylker",
        "Account_Name__pick": "2034020000000489301", "save": "1"})
    assert saved.status_code == 302
    row = Row.objects.get()
    assert row.payload["Account_Name"] == {"id": "2034020000000489301"}
    page = client.get(f"/rows/{row.pk}/").content.decode()
    assert 'value="Zylker Corp"' in page  # the name, remembered from the search
    assert "Bigin ID or row:" not in page


def test_lookups_offer_only_queued_rows_the_person_may_see(synced, client, django_user_model):
    mine = sales(django_user_model, "own1")
    other = sales(django_user_model, "own2")
    theirs = create_row(module="Accounts", payload={"Account_Name": "Zylker Theirs"},
                        owner=other)
    client.force_login(mine)
    html = client.get("/lookup/Accounts/", {"q": "Zylker"}).content.decode()
    assert f"row:{theirs.pk}" not in html
    assert "Zylker Corp" in html


def test_a_multiple_lookup_adds_picks_and_drops_removed_ones(synced, client,
                                                            django_user_model):
    from bigin_ui.metadata.schema import get_schema
    from bigin_ui.queue.entry import make_form

    user = sales(django_user_model, "multi")
    schema = get_schema("Pipelines")
    form = make_form(module="Pipelines", user=user, schema=schema, data={})
    widget = form.fields["Secondary_Contacts"].widget
    value = widget.value_from_datadict(
        {"Secondary_Contacts": "1, 2", "Secondary_Contacts__drop": "1",
         "Secondary_Contacts__pick": "3"}, None, "Secondary_Contacts")
    assert value == "2, 3"


def test_without_scripts_related_to_finds_in_the_module_named_beside_it(synced, client,
                                                                        django_user_model):
    client.force_login(sales(django_user_model, "nojs2"))
    found = client.post("/records/Events/new/", {
        "Event_Title": "x", "$se_module": "Pipelines", "Related_To": "",
        "Related_To__q": "Cruise", "_lookup": "Related_To"}).content.decode()
    assert 'name="Related_To__pick" value="2034020000000489123"' in found


def test_without_scripts_participants_contacts_are_found_and_added(synced, client,
                                                                   django_user_model):
    client.force_login(sales(django_user_model, "nojs3"))
    found = client.post("/records/Events/new/", {
        "Event_Title": "x", "Participants_contacts": "",
        "Participants_contacts__q": "Carter", "_lookup": "Participants_contacts"}
    ).content.decode()
    assert 'name="Participants_contacts__pick" value="2034020000000489034"' in found
    again = client.post("/records/Events/new/", {
        "Event_Title": "x", "Participants_contacts": "",
        "Participants_contacts__pick": "2034020000000489034",
        "_lookup": "Participants_contacts"}).content.decode()
    assert "Liam Carter" in again  # chosen, shown by name
    assert 'value="2034020000000489034"' in again


def find_button(html: str, cell: str) -> str:
    """The value of the "Find" button beside ``cell``'s search box (what the browser posts as
    ``_lookup`` when it is pressed)."""
    import re

    buttons = re.findall(r'<button[^>]*name="_lookup" value="([^"]*)"', html)
    assert cell in buttons, buttons
    return cell


def test_without_scripts_find_works_in_a_product_line_and_keeps_what_was_typed(
        synced, client, django_user_model):
    from bigin_ui.queue.models import Row
    from tests.formpost import posted

    client.force_login(sales(django_user_model, "nojs4"))
    page = client.get("/records/Pipelines/new/").content.decode()
    # What a browser without scripts posts: the form as drawn, what the person typed, and the
    # pressed "Find" button of the second product line.
    data = posted(page)
    data["Deal_Name"] = "Safari for two"
    data["Associated_Products-0-Quantity"] = "3"
    data["Associated_Products-1-Product__q"] = "Safari"
    data["Associated_Products-1-Quantity"] = "2"
    data["_lookup"] = find_button(page, "Associated_Products-1-Product")
    found = client.post("/records/Pipelines/new/", data)
    html = found.content.decode()
    assert found.status_code == 200
    assert not Row.objects.exists()  # a search is not a save
    assert ('name="Associated_Products-1-Product__pick" value="2034020000000489200"' in html)
    assert "African Safari Adventure" in html
    # Only the line whose Find was pressed lists matches; what was typed is still there.
    assert "Associated_Products-0-Product__pick" not in html
    again = posted(html)
    assert again["Deal_Name"] == "Safari for two"
    assert again["Associated_Products-0-Quantity"] == "3"
    assert again["Associated_Products-1-Product__q"] == "Safari"
    assert again["Associated_Products-1-Quantity"] == "2"
    # The person ticks the match and saves.
    again["Associated_Products-1-Product__pick"] = "2034020000000489200"
    again["Associated_Products-0-Quantity"] = ""
    again["save"] = "1"
    saved = client.post("/records/Pipelines/new/", again)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    [line] = Row.objects.get().payload["Associated_Products"]
    assert line["Product"] == {"id": "2034020000000489200"}
    assert line["Quantity"] == 2


def hit_modules(html: str) -> dict[str, str]:
    """Each hit's value and the module the list says it is in."""
    import re

    return dict(re.findall(r'data-value="([^"]+)" data-label="[^"]*" data-module="([^"]*)"',
                           html))


def test_related_to_without_a_module_searches_every_module_it_may_name(synced, client,
                                                                       django_user_model):
    user = sales(django_user_model, "any1")
    client.force_login(user)
    queued = create_row(module="Accounts", payload={"Account_Name": "Cruise Lines Queued"},
                        owner=user)
    package = synced.records("Pipelines")[0]
    fjord = next(r for r in synced.records("Products") if r["Product_Name"] ==
                 "Nordic Fjord Cruise")
    html = client.get("/lookup/any/", {"q": "Cruise"}).content.decode()
    found = hit_modules(html)
    assert found[package["id"]] == "Pipelines"
    assert found[fjord["id"]] == "Products"
    assert found[f"row:{queued.pk}"] == "Accounts"
    # The module stands beside each match, in Bigin's words.
    assert 'data-testid="hit-module">Pipeline record<' in html
    assert 'data-testid="hit-module">Product<' in html
    assert 'data-testid="hit-module">Company<' in html
    # A chosen module still narrows the search to it.
    narrowed = client.get("/lookup/any/", {"q": "Cruise", "$se_module": "Products"})
    assert set(hit_modules(narrowed.content.decode()).values()) == {"Products"}


def test_the_related_to_box_searches_every_module_until_one_is_chosen(synced, client,
                                                                      django_user_model):
    client.force_login(sales(django_user_model, "any2"))
    html = client.get("/records/Tasks/new/").content.decode()
    assert 'data-search-url="/lookup/any/" data-module-from="$se_module"' in html


def test_without_scripts_related_to_finds_in_every_module_and_the_pick_sets_it(
        synced, client, django_user_model):
    from bigin_ui.queue.models import Row
    from tests.formpost import posted

    client.force_login(sales(django_user_model, "any3"))
    fjord = next(r for r in synced.records("Products") if r["Product_Name"] ==
                 "Nordic Fjord Cruise")
    page = client.get("/records/Tasks/new/").content.decode()
    data = posted(page)
    data.update({"Subject": "Send the fjord brochure", "Related_To__q": "Cruise"})
    assert data["$se_module"] == ""  # no module chosen
    data["_lookup"] = find_button(page, "Related_To")
    html = client.post("/records/Tasks/new/", data).content.decode()
    found = hit_modules(html)
    assert {"Pipelines", "Products"} <= set(found.values())
    assert f'name="Related_To__pick" value="{fjord["id"]}"' in html
    assert 'data-testid="hit-module">Product<' in html
    again = posted(html)
    assert again["Subject"] == "Send the fjord brochure"
    again["Related_To__pick"] = fjord["id"]
    again["save"] = "1"
    saved = client.post("/records/Tasks/new/", again)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    payload = Row.objects.get().payload
    assert payload["Related_To"] == {"id": fjord["id"]}
    assert payload["$se_module"] == "Products"
