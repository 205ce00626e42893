"""Pay after notice: school aid on a list becomes payable once its period ends cleanly."""
from __future__ import annotations

import datetime as dt

import pytest

from models import db
from models.assistance_rules import pay
from models.base import DomainError, freeze_today
from models.notice_rules import passed_notice, withdraw
from models.objection_rules import handle
from tests.factories import make_fund, user
from tests.factories_notices import make_education, make_notice, make_objection, make_published


def test_education_in_a_batch_notice_is_payable_only_after_a_clean_period(ctx):
    """Not during the period, not while an objection is open; yes once it is resolved."""
    record = make_education(fund=make_fund())
    manager = user("manager")
    make_notice([record])  # on a draft: not yet a notice
    assert not passed_notice(record)
    notice = make_published([record])
    with pytest.raises(DomainError, match="公示"):
        pay(record, manager)
    db.session.rollback()

    objection = make_objection(notice)
    freeze_today(notice.ends_on)  # the last day still belongs to the period
    assert not passed_notice(record)
    freeze_today(notice.ends_on + dt.timedelta(days=1))
    with pytest.raises(DomainError, match="公示"):
        pay(record, manager)
    db.session.rollback()

    handle(objection, user("staff"), "经核实，异议不成立。", resolve=True)
    db.session.commit()
    assert passed_notice(record) and not record.notice_passed  # derived, not the flag
    pay(record, manager)
    db.session.commit()
    assert record.state == "paid"


def test_a_withdrawn_notice_never_counts(ctx):
    record = make_education(fund=make_fund())
    notice = make_published([record])
    withdraw(notice, user("manager"), "名单有误")
    db.session.commit()
    freeze_today(notice.ends_on + dt.timedelta(days=1))
    assert not passed_notice(record)
    with pytest.raises(DomainError, match="公示"):
        pay(record, user("manager"))


def test_an_open_objection_on_a_later_notice_holds_the_record_back(ctx):
    """Passed once, listed again and objected to: payment waits for the objection."""
    record = make_education(fund=make_fund())
    first = make_published([record])
    freeze_today(first.ends_on + dt.timedelta(days=1))
    assert passed_notice(record)
    second = make_published([record], title="补充公示")
    make_objection(second)
    assert not passed_notice(record)


def test_other_records_on_the_notice_are_not_affected_by_what_is_not_on_it(ctx):
    """Only records listed on the notice pass it."""
    listed, unlisted = make_education("甲"), make_education("乙")
    notice = make_published([listed])
    freeze_today(notice.ends_on + dt.timedelta(days=1))
    assert passed_notice(listed) and not passed_notice(unlisted)
