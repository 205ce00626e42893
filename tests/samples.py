"""One sample record per registered endpoint, for tests that walk the registry."""
from __future__ import annotations

from models import AuditLog, Setting, User, db
from tests.factories import id_number, make_assistance, make_fund, make_worker


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


MAKERS = {"worker": _worker, "familymember": _familymember, "user": _user,
          "auditlog": _auditlog, "setting": _setting, "assistance": _assistance,
          "fund": _fund, "fundentry": _fundentry}


def make_sample(endpoint: str):
    """Create a record of ``endpoint`` and return its primary key."""
    return MAKERS[endpoint]()
