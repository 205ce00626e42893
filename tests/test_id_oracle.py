"""A clerk sees ID numbers masked and cannot rebuild them by searching (issue 12, finding 1).

The attack: a clerk who sees 370***********2262 types the name with a guess of the next
hidden digit (``?search=<name> 3701``, then 37010…37019) and keeps the guess that still
finds the person; about sixty searches give the whole number. Each surface a clerk can
type into is attacked here with every hidden digit guessed right and wrong, from the
front (prefix), inside (infix) and growing the known tail leftwards (suffix): the right
guess must answer exactly what the wrong one does. Staff, who see the numbers, are the
control: the same pairs tell them apart.
"""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from models.idnumber import make_id_number, mask_id_number
from models.permissions import PERMISSIONS
from tests.factories import make_worker
from tests.factories_inventory import make_card

BORN = dt.date(1986, 7, 23)
NUMBER = make_id_number("370102", BORN, 226)          # 370102198607232261
MEMBER = make_id_number("370103", dt.date(2011, 2, 14), 47)
CARD = "6222020200112233445"
DETAILS = re.compile(r"/details/\?id=(\d+)")


def other(digit: str) -> str:
    return str((int(digit) + 1) % 10) if digit.isdigit() else "0"


def guesses(number: str) -> list[tuple[str, str]]:
    """Return (right, wrong) terms, each guessing one hidden digit of ``number``."""
    pairs = []
    for i in range(3, len(number) - 4):  # the digits 370***********2261 hides
        wrong = number[:i] + other(number[i]) + number[i + 1:]
        for start, end in ((0, i + 1), (max(i - 2, 0), i + 2), (i, len(number))):
            pairs.append((number[start:end], wrong[start:end]))   # prefix, infix, suffix
        pairs.append(("^" + number[:i + 1], "^" + wrong[:i + 1]))  # Flask-Admin's "starts"
    return pairs


@pytest.fixture
def people(app):
    """A worker whose numbers the test knows, with a member and a card; and two others."""
    with app.app_context():
        worker = make_worker(name="甄秘密", id_number=NUMBER, bank_card_no=CARD,
                             phone="13900000000", employer="机床厂",
                             members=[{"name": "甄小密", "relation": "child",
                                       "id_number": MEMBER}])
        make_worker(name="路人甲", id_number=make_id_number("370102", BORN, 310))
        make_worker(name="路人乙", id_number=make_id_number("370104", BORN, 226))
        card = make_card("10", worker=worker)
        assert NUMBER[-4:] not in NUMBER[:-4] and MEMBER[-4:] not in MEMBER[:-4]
        return {"worker": worker.id, "member": worker.members[0].id, "card": card.card_no}


def rows(client, url: str, **args) -> list[str]:
    """Return the ids of the records a list page shows, in its order."""
    response = client.get(url, query_string=args or None)
    assert response.status_code == 200, url
    ids = DETAILS.findall(response.get_data(as_text=True))
    return list(dict.fromkeys(ids))


def ajax(client, endpoint: str, term: str) -> list:
    response = client.get(f"/admin/{endpoint}/ajax/lookup/", query_string={
        "name": "worker", "query": term})
    assert response.status_code == 200
    return sorted(pk for pk, _label in response.get_json())


def holders(client, endpoint: str, term: str) -> list[str]:
    response = client.get(f"/admin/{endpoint}/find/", query_string={"q": term})
    assert response.status_code == 200
    return sorted(h["card_no"] for h in response.get_json())


def list_search(client, endpoint, name, term):
    return rows(client, f"/admin/{endpoint}/", search=f"{name} {term}")


def assert_no_oracle(auth, client, ask, number, target, operators=True, tails_only=False):
    """Staff tell the right guesses from the wrong ones; a clerk's answers never differ.

    ``ask(term)`` returns the records found; ``target`` is the one ``number`` is of;
    ``operators``: ``ask`` takes Flask-Admin's ^ (starts with), as the list search does.
    ``tails_only``: the search finds a number only whole or by its last 4 to 6 characters
    (``models.worker_search``), so staff too learn nothing from any other part.
    """
    pairs = [(r, w) for r, w in guesses(number) if operators or not r.startswith("^")]
    auth.login("staff")
    for right, wrong in pairs:
        if tails_only and not (number.endswith(right) and 4 <= len(right) <= 6):
            # Neither finds the target; another file may still end in the guessed digits.
            assert target not in ask(right) and target not in ask(wrong), (right, wrong)
        else:
            assert target in ask(right) and target not in ask(wrong), (right, wrong)
    auth.logout()
    auth.login("clerk")
    # A leak is an answer about the target; another file may end in the guessed digits.
    leaks = [(right, wrong) for right, wrong in pairs
             if (target in ask(right)) != (target in ask(wrong))]
    assert not leaks, f"{len(leaks)} guesses answered differently, e.g. {leaks[:3]}"
    for tail in (number[-4:], number[-6:]):
        assert target in ask(tail), tail


def test_worker_list_search_gives_no_digit_away(client, auth, people):
    assert_no_oracle(auth, client, lambda t: list_search(client, "worker", "甄秘密", t),
                     NUMBER, str(people["worker"]), tails_only=True)
    page = client.get("/admin/worker/").get_data(as_text=True)
    assert "身份证号后4位" in page  # the search box says what a clerk can search by


def test_household_member_list_search_gives_no_digit_away(client, auth, people):
    assert_no_oracle(auth, client, lambda t: list_search(client, "familymember", "甄小密", t),
                     MEMBER, str(people["member"]), tails_only=True)


@pytest.mark.parametrize("endpoint", ["lovecard", "familymember"])
def test_worker_lookup_gives_no_digit_away(client, auth, people, endpoint):
    assert_no_oracle(auth, client, lambda t: ajax(client, endpoint, t), NUMBER,
                     people["worker"], operators=False, tails_only=True)


@pytest.mark.parametrize("endpoint", ["counter", "redemption"])
def test_counter_holder_search_gives_no_digit_away(client, auth, people, endpoint):
    auth.login("clerk")
    leaks = [(right, wrong) for right, wrong in guesses(NUMBER) if not right.startswith("^")
             and holders(client, endpoint, right) != holders(client, endpoint, wrong)]
    assert not leaks, f"{len(leaks)} guesses answered differently, e.g. {leaks[:3]}"
    for tail in (NUMBER[-4:], NUMBER[-6:]):
        assert holders(client, endpoint, tail) == [people["card"]]
    assert holders(client, endpoint, "甄秘密") == [people["card"]]


def _worker_view(app):
    return next(v for v in app.extensions["admin"][0]._views if v.endpoint == "worker")


def test_birth_date_filters_are_staffs_only(app, client, auth, people):
    """Staff filter by birth date (4050 lists); a clerk is not offered it and it is ignored."""
    view = _worker_view(app)
    on_birth = {type(f).__name__: i for i, f in enumerate(view._filters)
                if getattr(getattr(f, "column", None), "key", None) == "birth_date"}
    equal, after = on_birth["DateEqualFilter"], on_birth["DateGreaterFilter"]
    day, next_day = BORN.isoformat(), (BORN + dt.timedelta(days=1)).isoformat()
    target = str(people["worker"])

    auth.login("staff")
    assert target in rows(client, f"/admin/worker/?flt0_{equal}={day}")
    assert target not in rows(client, f"/admin/worker/?flt0_{equal}={next_day}")
    assert "出生日期" in client.get("/admin/worker/").get_data(as_text=True)
    auth.logout()

    auth.login("clerk")
    everyone = rows(client, "/admin/worker/")
    for index in (equal, after):
        for value in (day, next_day, "1900-01-01", "2100-01-01"):
            assert rows(client, f"/admin/worker/?flt0_{index}={value}") == everyone
    page = client.get("/admin/worker/").get_data(as_text=True)
    groups = re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', page, re.S)
    assert groups and "出生日期" not in json.loads(groups.group(1))


def test_no_sorting_by_a_masked_number(app, client, auth, people):
    """Sorted by ID number the order of the rows would tell hidden digits: not for a clerk."""
    with app.app_context():
        for i, born in enumerate((dt.date(1990, 1, 1), dt.date(1950, 1, 1),
                                  dt.date(1970, 1, 1))):
            make_worker(name=f"排序{i}", id_number=make_id_number("370105", born, 500 + i),
                        members=[{"name": f"成员{i}", "relation": "child",
                                  "id_number": make_id_number("370106", born, 600 + i)}])
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "familymember")
    column = [name for name, _label in view._list_columns].index("id_number")
    asc, desc = f"/admin/familymember/?sort={column}", f"/admin/familymember/?sort={column}&desc=1"

    auth.login("staff")
    assert rows(client, asc) == rows(client, desc)[::-1] != rows(client, asc)[::-1]
    assert f"sort={column}" in client.get("/admin/familymember/").get_data(as_text=True)
    auth.logout()

    auth.login("clerk")
    plain = rows(client, "/admin/familymember/")
    assert rows(client, asc) == rows(client, desc) == plain
    assert f"sort={column}" not in client.get("/admin/familymember/").get_data(as_text=True)


def test_clerk_sees_no_birth_date_and_no_full_number(client, auth, people):
    auth.login("clerk")
    born = (BORN.isoformat(), BORN.strftime("%Y%m%d"), f"{BORN.year}年{BORN.month}月")
    for url in ("/admin/worker/", "/admin/worker/?search=甄秘密",
                f"/admin/worker/details/?id={people['worker']}", "/admin/familymember/",
                f"/admin/familymember/details/?id={people['member']}"):
        page = client.get(url).get_data(as_text=True)
        for secret in (NUMBER, MEMBER, CARD, NUMBER[3:14], *born, "出生日期"):
            assert secret not in page, (url, secret)
    details = client.get(f"/admin/worker/details/?id={people['worker']}").get_data(as_text=True)
    assert mask_id_number(NUMBER) in details and mask_id_number(CARD) in details
    auth.logout()
    auth.login("staff")  # staff read the file whole
    details = client.get(f"/admin/worker/details/?id={people['worker']}").get_data(as_text=True)
    assert NUMBER in details and BORN.isoformat() in details and CARD in details


def test_a_role_that_sees_numbers_masked_may_not_export_them(client, auth, people,
                                                             monkeypatch):
    """Even were the matrix to give a clerk X on workers, the export is refused."""
    monkeypatch.setitem(PERMISSIONS["worker"], "clerk", "RX")
    auth.login("clerk")
    assert client.get("/admin/worker/export/xlsx/").status_code == 403
    assert client.get("/admin/worker/export/csv/?search=3701").status_code == 403
    auth.logout()
    auth.login("manager")
    response = client.get("/admin/worker/export/csv/?search=甄秘密")
    assert response.status_code == 200 and NUMBER in response.get_data(as_text=True)
