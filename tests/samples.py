"""One sample record per registered endpoint, for tests that walk the registry."""
from __future__ import annotations

from models import AuditLog, Setting, User, db
from tests.factories import id_number, make_assistance, make_fund, make_worker
from tests.factories_inventory import SAMPLE_MAKERS


def _worker():
    return make_worker().id


def _familymember():
    worker = make_worker(members=[{"name": "王芳", "id_number": id_number()}])
    return worker.members[0].id


def _user():
    user = User(username="sample", full_name="样例", role="staff")
    user.set_password("sample-pass-1")
    db.session.add(user)
    db.session.commit()
    return user.id


def _auditlog():
    row = AuditLog(username="sample", action="login")
    db.session.add(row)
    db.session.commit()
    return row.id


def _setting():
    return db.session.get(Setting, "dibao_line").key


def _assistance():
    return make_assistance().id


def _fund():
    return make_fund(balance="0").id


def _fundentry():
    return make_fund(name="样例资金", balance="100").entries[0].id


def _trainingclass():
    from tests.factories_training import make_class
    return make_class().id  # no enrolments, so an admin may delete it


def _enrolment():
    from tests.factories_training import make_enrolment
    return make_enrolment().id


def _loan():
    from tests.factories_loans import make_loan
    return make_loan().id  # an application, so an admin may delete it


def _repayment():
    from models.loan_rules import record_repayment
    from tests.factories import user
    from tests.factories_loans import disbursed_loan
    repayment = record_repayment(disbursed_loan(), user("staff"), "500.00")
    db.session.commit()
    return repayment.id


def _notice():
    from tests.factories_notices import make_education, make_notice
    return make_notice([make_education()]).id


def _objection():
    from tests.factories_notices import make_objection, make_published
    return make_objection(make_published()).id


def _orgunit():
    from sqlalchemy import func, select

    from models.orgunit import OrgUnit, root_unit_id
    n = db.session.scalar(select(func.count()).select_from(OrgUnit))
    unit = OrgUnit(name=f"样例帮扶站{n}", kind="station", parent_id=root_unit_id())
    db.session.add(unit)
    db.session.commit()
    return unit.id  # nothing belongs to it, so an admin may delete it


def _workerreview():
    from tests.factories_reviews import make_review
    return make_review().id


def _workerepisode():
    from models.worker_episode_rules import open_episode_of
    from tests.factories_reviews import on_record
    return open_episode_of(on_record()).id


def _workercertificate():
    from models.worker_certificate_rules import valid_certificate
    from tests.factories_reviews import on_record
    return valid_certificate(on_record(category="deep")).id  # issued on approval


def _person():
    from tests.factories_desk import make_person
    return make_person().id


def _servicecase():
    from tests.factories_desk import make_case
    return make_case().id  # received, so an admin may delete it


def _legalcase():
    from tests.factories_desk import make_legal_case
    return make_legal_case().id  # open, without sessions, so an admin may delete it


def _pairing():
    from tests.factories_visits import make_pair
    return make_pair().id  # live, without visits, so an admin may delete it


def _visit():
    from tests.factories_visits import make_visit
    return make_visit().id


def _employment(endpoint):
    """Return a maker of an employment record (a new referral: deletable by an admin)."""
    def make():
        from tests.factories_employment import (
            make_employer,
            make_referral,
            make_seeker,
            make_vacancy,
        )
        maker = {"employer": make_employer, "vacancy": make_vacancy, "jobseeker": make_seeker,
                 "referral": make_referral}[endpoint]
        return maker().id
    return make


def _handout():
    from sqlalchemy import func, select

    from models.handout import Handout

    # Made as the rules never make one (no goods left stock), so an admin may delete it;
    # a clerk may open its void page, which refuses a post without a reason.
    number = db.session.scalar(select(func.count()).select_from(Handout)) + 1
    handout = Handout(number=f"FF-2026-9{number:05d}", worker=make_worker(), state="done")
    db.session.add(handout)
    db.session.commit()
    return handout.id


def _campaign():
    from tests.factories_campaigns import make_campaign
    return make_campaign().id  # nothing generated yet, so an admin may delete it


MAKERS = {"pairing": _pairing, "visit": _visit,
          "person": _person, "servicecase": _servicecase, "legalcase": _legalcase,
          "worker": _worker, "workercertificate": _workercertificate,
          "workerreview": _workerreview,
          "workerepisode": _workerepisode, "familymember": _familymember, "user": _user,
          "auditlog": _auditlog, "orgunit": _orgunit, "setting": _setting,
          "assistance": _assistance,
          "fund": _fund, "fundentry": _fundentry,
          "trainingclass": _trainingclass, "enrolment": _enrolment, "loan": _loan,
          "repayment": _repayment, "notice": _notice, "objection": _objection,
          "campaign": _campaign,
          "handout": _handout,
          **{e: _employment(e) for e in ("jobseeker", "employer", "vacancy", "referral")},
          **SAMPLE_MAKERS}


def make_sample(endpoint: str):
    """Create a record of ``endpoint`` and return its primary key."""
    return MAKERS[endpoint]()
