"""Every public page built from the demo data, scanned for personal data that must not leak."""
from __future__ import annotations

import re

from sqlalchemy import select

from models import Notice, NoticeLine, Objection, Worker, db
from tests.conftest import Auth

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
LONG_DIGITS = re.compile(r"\d{15,}")


def personal_data(app) -> tuple[dict[int, str], set[str], set[str], list[str]]:
    """Return the notices' states, the secrets of every listed worker, and the employers."""
    with app.app_context():
        states = {n.id: n.status_on() for n in db.session.scalars(select(Notice))}
        workers = db.session.scalars(select(Worker).where(
            Worker.id.in_(select(NoticeLine.worker_id)))).all()
        names, secrets = set(), set()
        for worker in workers:
            names.add(worker.name)
            secrets.update({worker.id_number, worker.phone, worker.bank_card_no,
                            worker.address, worker.certificate_no})
            for member in worker.members:
                names.add(member.name)
                secrets.add(member.id_number or worker.id_number)
        for line in db.session.scalars(select(NoticeLine)):
            if line.assistance is not None and line.assistance.student_name:
                names.add(line.assistance.student_name)  # a minor's name
        for objection in db.session.scalars(select(Objection)):
            secrets.update({objection.contact, objection.text})
        employers = sorted({w.employer for w in workers}, key=len, reverse=True)
        return states, {n for n in names if len(n) >= 2}, {s for s in secrets if s}, employers


def scan(html: str, names: set[str], secrets: set[str], employers: list[str]) -> list[str]:
    """Return what personal data ``html`` shows."""
    found = [f"ID number {m}" for m in ID_NUMBER.findall(html)]
    found += [f"phone {m}" for m in MOBILE.findall(html)]
    found += [f"long number {m}" for m in LONG_DIGITS.findall(html)]
    found += [f"secret {s!r}" for s in secrets if s in html]
    text = html
    for employer in employers:  # an employer's name may contain a person's; it is shown
        text = text.replace(employer, "")
    return found + [f"full name {n}" for n in names if n in text]


def test_no_public_page_shows_personal_data(app, client, demo):
    states, names, secrets, employers = personal_data(app)
    assert len(names) > 20 and len(secrets) > 40
    assert set(states.values()) == {"draft", "published", "ended", "withdrawn"}
    staff = app.test_client()
    Auth(staff).login("staff")
    public = 0
    for url in ["/notices/"] + [f"/notices/{pk}" for pk in states]:
        for who, browser in (("visitor", client), ("staff", staff)):
            response = browser.get(url)
            pk = int(url.rstrip("/").rsplit("/", 1)[1]) if url[-1] != "/" else None
            visible = pk is None or states[pk] in ("published", "ended")
            assert response.status_code == (200 if visible else 404), (who, url)
            leaks = scan(response.get_data(as_text=True), names, secrets, employers)
            assert not leaks, f"{url} as {who}: {leaks[:10]}"
            public += visible
    assert public >= 2 * 4  # the list, an ended and a running list of names, a free notice
    # The scanner itself works: the staff-only notice page of the draft shows full names.
    draft = next(pk for pk, state in states.items() if state == "draft")
    admin_page = staff.get(f"/admin/notice/manage/?id={draft}").get_data(as_text=True)
    assert any(leak.startswith("full name") for leak in scan(admin_page, names, secrets,
                                                             employers))
