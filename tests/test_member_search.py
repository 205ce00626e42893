"""Household-member search (issue 14): each kind through an index, masked roles by tail only.

The ways a word finds a member are in ``models.member_search``; the indexes in
``models.member_search_schema``. Runs on SQLite and, with DATABASE_URL, on PostgreSQL.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from models import FamilyMember, db
from models import member_search as search
from models.idnumber import make_id_number
from tests.factories import make_worker
from tests.test_worker_search import _plan

DETAILS = re.compile(r"/admin/familymember/details/\?id=(\d+)")
WANG = make_id_number("370102", dt.date(1981, 6, 2), 212)
CHEN = make_id_number("370211", dt.date(2008, 1, 9), 55)


@pytest.fixture
def members(app):
    """Two files with one member each; return member name -> id."""
    with app.app_context():
        make_worker(name="张晓明", members=[{"name": "王秀兰", "id_number": WANG}])
        make_worker(name="欧阳建华", members=[{"name": "陈思思", "relation": "child",
                                              "id_number": CHEN}])
        return {m.name: m.id for m in db.session.scalars(select(FamilyMember))}


def found(client, term: str) -> list[int]:
    """Return the ids the member list shows for ``term``."""
    response = client.get("/admin/familymember/", query_string={"search": term})
    assert response.status_code == 200
    return [int(i) for i in dict.fromkeys(DETAILS.findall(response.get_data(as_text=True)))]


KINDS = [  # (term, the one member it finds)
    (WANG, "王秀兰"), (WANG.lower(), "王秀兰"), (WANG[-4:], "王秀兰"), (WANG[-6:], "王秀兰"),
    (CHEN[-5:], "陈思思"), ("王", "王秀兰"), ("王秀", "王秀兰"), ("wxl", "王秀兰"),
    ("CSS", "陈思思"), ("王秀兰", "王秀兰"), ("秀兰", None), ("张晓明", "王秀兰"),
    ("zxm", "王秀兰"), ("欧阳", "陈思思"), ("阳建华", "陈思思"), ("oyjh", "陈思思"),
    ("王 zxm", "王秀兰"), ("王 oyjh", None),
]


@pytest.mark.parametrize("term,name", KINDS)
def test_each_kind_finds_its_member_and_nothing_else(client, auth, members, term, name):
    auth.login("staff")
    assert found(client, term) == ([members[name]] if name else [])


def test_a_middle_part_of_an_id_number_finds_nothing(client, auth, members):
    auth.login("staff")
    for part in [WANG[i:i + 8] for i in range(0, 9)] + [WANG[:-1], WANG[-7:]]:
        assert found(client, part) == [], part


def test_a_clerk_searches_member_numbers_by_the_last_4_only(client, auth, members):
    """The hidden digits before the last 4 are not compared: no guess can be tested."""
    auth.login("clerk")
    assert found(client, WANG[-4:]) == [members["王秀兰"]]
    wrong = ("0" if WANG[-6] != "0" else "1") + WANG[-5:]
    assert found(client, WANG[-6:]) == found(client, wrong) == [members["王秀兰"]]
    other = WANG[:-4] + ("0000" if WANG[-4:] != "0000" else "1111")
    assert found(client, WANG) == [members["王秀兰"]]  # the whole number: its last 4
    assert found(client, other) == []
    page = client.get("/admin/familymember/", query_string={"search": WANG[-4:]})
    assert WANG not in page.get_data(as_text=True)  # shown masked


def test_initials_follow_the_name_on_every_save(ctx, members):
    member = db.session.get(FamilyMember, members["王秀兰"])
    assert member.initials == "wxl"
    member.name = "刘淑珍"
    db.session.commit()
    assert db.session.scalars(select(FamilyMember.id).where(
        *search.matching(["lsz"], False))).all() == [member.id]
    assert db.session.scalars(select(FamilyMember.id).where(
        *search.matching(["淑珍"], False))).all() == []


@pytest.mark.parametrize("term", [WANG, WANG[-4:], WANG[-6:], "王", "wxl", "王秀兰", "张晓明"])
@pytest.mark.parametrize("masked", [False, True])
def test_every_kind_is_answered_from_an_index(ctx, members, term, masked):
    plan = _plan(search.word_ids(term, masked))
    if db.session.connection().dialect.name == "sqlite":
        scans = [line for line in plan.splitlines()
                 if re.match(r"SCAN (family_member|worker)\b(?! USING)", line.strip())]
    else:
        scans = [line for line in plan.splitlines() if "Seq Scan" in line]
    assert not scans, plan
