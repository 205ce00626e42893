"""The hardship certificate (特困职工证, issue 16): issued from a gap-free sequence when a file
goes on record in a qualifying category, re-issued under its number, returned on closing,
printed on A6 by staff; numbers stay gap-free and unique under concurrent approvals."""
from __future__ import annotations

import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import AuditLog, Setting, Worker, WorkerCertificate, db
from models.base import DomainError, today
from models.worker_certificate_rules import reissue, valid_certificate
from models.worker_rules import activate, change_status, close_file, refile
from tests.conftest import flashes, postgres_only
from tests.factories import make_worker, user
from tests.factories_reviews import filed_worker, on_record
from tests.races import race

pytest_plugins = ["tests.browser"]  # the last test prints the card in Chromium
NUMBER = re.compile(r"TK-(\d{4})-(\d{6})")


def cards(worker_id) -> list[WorkerCertificate]:
    return db.session.scalars(select(WorkerCertificate).where(
        WorkerCertificate.worker_id == worker_id).order_by(WorkerCertificate.id)).all()


def serial(number: str) -> int:
    match = NUMBER.fullmatch(number)
    assert match and int(match.group(1)) == today().year, number
    return int(match.group(2))


def test_issued_on_approval_only_in_a_qualifying_category(ctx):
    """A deep-hardship file gets TK-<year>-NNNNNN on approval; a relative one none, until the
    setting names its category too."""
    deep = on_record(category="deep")
    (card,) = cards(deep.id)
    assert serial(card.number) >= 1 and card.edition == 1 and card.kind == "issue"
    assert deep.certificate_no == card.number and card.is_valid
    assert card.issued_by_id == user("admin").id and card.issued_on == today()
    relative = on_record(category="relative")
    assert cards(relative.id) == [] and relative.certificate_no == ""
    db.session.get(Setting, "certificate_categories").value = "deep,relative"
    db.session.commit()
    later = on_record(category="relative")
    assert serial(valid_certificate(later).number) == serial(card.number) + 1


def test_category_edited_into_and_out_of_a_qualifying_one(ctx):
    """An edit of a file on record brings its certificate in line: issued when the category
    comes to qualify, returned (收回) when it no longer does."""
    worker = on_record(category="relative")
    worker.category = "deep"
    change_status(worker, "active", user("staff"))
    db.session.commit()
    (card,) = cards(worker.id)
    assert card.is_valid and worker.certificate_no == card.number
    worker.category = "accident"
    change_status(worker, "active", user("staff"))
    db.session.commit()
    assert card.end_cause == "category" and not card.is_valid and worker.certificate_no == ""


def test_exit_returns_the_card_and_refiling_issues_a_new_number(ctx):
    """Closing returns the card; the file back in hardship (返困) gets a new number."""
    worker = on_record(category="deep")
    first = valid_certificate(worker)
    close_file(worker, user("admin"), "exited", today(), "就业增收，已稳定脱困")
    db.session.commit()
    assert first.end_cause == "exited" and first.ended_on == today()
    assert worker.certificate_no == "" and valid_certificate(worker) is None
    refile(worker, user("staff"))
    db.session.commit()
    assert valid_certificate(worker) is None  # pending: no card until approved
    activate(worker, user("admin"))
    db.session.commit()
    second = valid_certificate(worker)
    assert second.number != first.number and serial(second.number) > serial(first.number)
    assert worker.certificate_no == second.number and len(cards(worker.id)) == 2


def test_a_rolled_back_approval_gives_its_number_back(ctx):
    """The number is taken in the approval's transaction: a rollback returns it."""
    taken = on_record(category="deep")
    last = serial(taken.certificate_no)
    worker = filed_worker(category="deep")
    activate(worker, user("admin"))
    assert serial(worker.certificate_no) == last + 1
    db.session.rollback()
    other = filed_worker(category="deep")
    activate(other, user("admin"))
    db.session.commit()
    assert serial(other.certificate_no) == last + 1
    assert db.session.scalar(select(func.count()).select_from(WorkerCertificate).where(
        WorkerCertificate.worker_id == worker.id)) == 0


def test_reissue_keeps_the_number_and_records_the_reason(ctx):
    """A lost card is re-issued (补发) as edition 2 under the same number; the old is void."""
    worker = on_record(category="deep")
    first = valid_certificate(worker)
    with pytest.raises(DomainError, match="请选择补发/换发原因"):
        reissue(worker, user("staff"), "", "")
    with pytest.raises(DomainError, match="请说明"):
        reissue(worker, user("staff"), "other", " ")
    made = reissue(worker, user("staff"), "lost", "持证人报失")
    db.session.commit()
    assert (made.number, made.edition, made.kind, made.reason) == (first.number, 2, "reissue",
                                                                  "lost")
    assert first.end_cause == "replaced" and made.is_valid
    assert worker.certificate_no == first.number
    again = reissue(worker, user("staff"), "damaged", "")
    db.session.commit()
    assert (again.edition, again.kind) == (3, "renew")
    assert [c.is_valid for c in cards(worker.id)] == [False, False, True]


def test_database_keeps_one_valid_card_per_file_and_each_number_once(ctx):
    """The partial unique indexes behind the rules."""
    worker = on_record(category="deep")
    card = valid_certificate(worker)
    db.session.add(WorkerCertificate(worker_id=worker.id, number="TK-1999-000001",
                                      issued_on=today()))
    with pytest.raises(IntegrityError,
                       match="uq_worker_certificate_valid|worker_certificate.worker_id"):
        db.session.flush()
    db.session.rollback()
    other = on_record(category="relative")
    db.session.add(WorkerCertificate(worker_id=other.id, number=card.number, issued_on=today()))
    with pytest.raises(IntegrityError, match="uq_worker_certificate|worker_certificate.number"):
        db.session.flush()
    db.session.rollback()


def _approving(app, worker_id: int, fail: bool = False):
    """Prepare the approval of file ``worker_id`` by the admin (which then fails if asked)."""
    def prepare():
        worker, admin = db.session.get(Worker, worker_id), user("admin")

        def act():
            activate(worker, admin)
            db.session.flush()
            if fail:
                raise DomainError("放弃")
        return act
    return prepare


@postgres_only
def test_numbers_stay_gap_free_and_unique_under_concurrent_approvals(app):
    """Eight files approved at the same moment on eight connections, one of them rolled back
    after taking its number: the seven committed numbers run on from the last without a gap."""
    with app.app_context():
        last = serial(on_record(category="deep").certificate_no)
        ids = [filed_worker(category="deep").id for _ in range(8)]
    jobs = [_approving(app, pk, fail=(n == 3)) for n, pk in enumerate(ids)]
    results = race(app, jobs)
    assert sorted(results) == ["DomainError"] + ["done"] * 7, results
    with app.app_context():
        numbers = db.session.scalars(select(WorkerCertificate.number).where(
            WorkerCertificate.worker_id.in_(ids))).all()
        assert sorted(serial(n) for n in numbers) == list(range(last + 1, last + 8))
        assert db.session.get(Worker, ids[3]).certificate_no == ""
        files = db.session.scalars(select(Worker).where(Worker.id.in_(ids))).all()
        assert {w.certificate_no for w in files if w.id != ids[3]} == set(numbers)


def test_staff_prints_the_card_on_a6_and_each_print_is_recorded(app, client, auth):
    """The print page: front and back, Chinese, A6, the ID number masked; a POST counts it
    and writes the audit entry; the clerk and the manager get 403."""
    with app.app_context():
        worker = on_record(category="deep", name="欧阳秀英")
        pk, number, id_number = worker.id, worker.certificate_no, worker.id_number
    auth.login("staff")
    page = client.get(f"/admin/worker/certificate/?id={pk}").get_data(as_text=True)
    for words in ("中华全国总工会", "特困职工证", "照片", "使用须知", "发证单位（盖章）",
                  "欧阳秀英", number, "深度困难", "worker_certificate.css"):
        assert words in page, words
    assert id_number not in page and id_number[-4:] in page
    assert all("nonce=" in tag for tag in re.findall(r"<(?:style|script)\b[^>]*>", page))
    assert "worker_certificate.js" in page and "onclick" not in page
    css = client.get("/static/worker_certificate.css").get_data(as_text=True)
    assert "size: 148mm 105mm" in css  # A6 landscape
    response = client.post(f"/admin/worker/certificate/?id={pk}",
                           data={"csrf_token": auth.token()})
    assert response.status_code == 302
    assert "已记录本次打印" in flashes(client.get(response.headers["Location"])
                                      .get_data(as_text=True))
    with app.app_context():
        card = valid_certificate(db.session.get(Worker, pk))
        assert card.print_count == 1 and card.last_printed_at is not None
        assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.record_type == "workercertificate", AuditLog.action == "update",
            AuditLog.record_id == str(card.id))) == 1
    for role in ("clerk", "manager"):
        auth.logout()
        auth.login(role)
        assert client.get(f"/admin/worker/certificate/?id={pk}").status_code == 403
        assert client.post(f"/admin/worker/certificate/reissue/?id={pk}", data={
            "csrf_token": auth.token(), "reason": "lost"}).status_code == 403


def test_reissue_page_with_its_chinese_errors(app, client, auth):
    """The re-issue form: a missing reason is refused in Chinese; a good one makes edition 2."""
    with app.app_context():
        pk = on_record(category="deep").id
    auth.login("staff")
    url = f"/admin/worker/certificate/reissue/?id={pk}"
    page = client.get(url).get_data(as_text=True)
    assert "补发/换发特困职工证" in page and "遗失" in page and "信息变更" in page
    page = client.post(url, data={"csrf_token": auth.token(), "reason": ""}).get_data(
        as_text=True)
    assert "请选择补发/换发原因" in flashes(page)
    assert client.post(url, data={"reason": "lost"}).status_code == 400  # no CSRF token
    response = client.post(url, data={"csrf_token": auth.token(), "reason": "changed",
                                      "note": "更名"})
    assert response.status_code == 302
    with app.app_context():
        card = valid_certificate(db.session.get(Worker, pk))
        assert (card.edition, card.kind, card.reason, card.note) == (2, "renew", "changed",
                                                                      "更名")


def test_the_file_lists_its_cards_and_the_form_cannot_set_the_number(app, client, auth):
    """The worker's page, its timeline and the 档案卡 list the cards; the form has no field
    for the number, and a posted one is ignored."""
    with app.app_context():
        worker = on_record(category="deep")
        pk, number = worker.id, worker.certificate_no
    auth.login("staff")
    page = client.get(f"/admin/worker/details/?id={pk}").get_data(as_text=True)
    assert 'id="worker-certificate-table"' in page and number in page
    assert "打印特困职工证" in page and "首次发证" in page
    assert 'data-kind="certificate"' in page  # the timeline's entry
    card = client.get(f"/admin/worker/card/?id={pk}").get_data(as_text=True)
    assert number in card and "特困职工证" in card
    edit = client.get(f"/admin/worker/edit/?id={pk}").get_data(as_text=True)
    assert 'name="certificate_no"' not in edit
    with app.app_context():
        w = db.session.get(Worker, pk)
        data = {"csrf_token": auth.token(), "name": w.name, "id_number": w.id_number,
                "ethnicity": w.ethnicity, "phone": w.phone, "base_union": w.base_union,
                "employer": w.employer, "category": "deep", "main_cause": w.main_cause,
                "household_size": str(w.household_size),
                "household_income": str(w.household_income),
                "essential_spending": str(w.essential_spending), "status": "active",
                "certificate_no": "伪造-0001", "confirm_duplicates": "y"}
    response = client.post(f"/admin/worker/edit/?id={pk}", data=data)
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Worker, pk).certificate_no == number


def test_the_list_is_read_only_and_hidden_from_the_clerk(app, client, auth):
    """/admin/workercertificate/ lists the cards for staff, offers no create or edit, and
    answers 403 to the clerk."""
    with app.app_context():
        number = on_record(category="deep").certificate_no
    auth.login("staff")
    page = client.get("/admin/workercertificate/").get_data(as_text=True)
    assert number in page and "特困职工证" in page
    assert client.get("/admin/workercertificate/new/").status_code == 403
    auth.logout()
    auth.login("clerk")
    assert client.get("/admin/workercertificate/").status_code == 403


def test_the_migration_gives_files_on_record_their_first_card(database_config):
    """Upgrading a database with a deep-hardship file on record issues its card and keeps
    the number it carried in the card's note."""
    from portal import create_app
    from portal.database import ensure_settings

    app = create_app({"TESTING": True, "SECRET_KEY": "x", **database_config})
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="f2c8b6a4d913")
        ensure_settings()
        deep = make_worker(category="deep", certificate_no="鲁困0001").id
        make_worker(category="relative", certificate_no="鲁困0002")
        upgrade(directory=directory)
        db.session.expire_all()
        (card,) = db.session.scalars(select(WorkerCertificate)).all()
        assert card.worker_id == deep and card.note == "原证号：鲁困0001"
        assert db.session.get(Worker, deep).certificate_no == card.number
        assert serial(card.number) == 1
        db.engine.dispose()


def printed_count(app, pk: int, wanted: int, seconds: float = 5.0) -> int:
    """Return the card's print count once it is ``wanted`` (or after ``seconds``): the
    browser has its answer a moment before the server's thread has finished the request,
    and a session must not answer from what it read before."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        with app.app_context():
            db.session.expire_all()
            count = valid_certificate(db.session.get(Worker, pk)).print_count
        if count == wanted or time.monotonic() > deadline:
            return count
        time.sleep(0.1)


@pytest.mark.browser
def test_the_card_prints_in_chromium_as_two_a6_pages(app, page):
    """Chromium prints the card as two A6 landscape pages (front, back); the Print button
    records the print first, without a script error under the CSP."""
    from tests.test_browser import log_in

    with app.app_context():
        pk = on_record(category="deep").id
    log_in(page, "staff")
    page.goto(f"/admin/worker/certificate/?id={pk}")
    page.evaluate("window.print = function () { document.body.dataset.printed = '1'; }")
    page.locator("#print-button").click()
    page.wait_for_selector("body[data-printed='1']")
    assert page.js_errors == []
    assert printed_count(app, pk, wanted=1) == 1
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", pdf)
    sizes = [(round(float(w) / 72 * 25.4), round(float(h) / 72 * 25.4)) for w, h in boxes]
    assert sizes == [(148, 105), (148, 105)], sizes  # front and back, A6 landscape


def test_an_import_issues_the_cards_its_files_are_due_audited_and_numbers_stay_its_own(ctx):
    """An archive imported on record gets its cards from the sequence, each audited as the
    importer's; the sheet cannot set a number (the column is export-only)."""
    from portal.excel.importer import run_import
    from portal.excel.specs import worker_spec
    from tests.excel_files import worker_book, worker_row
    from tests.factories import id_number

    assert worker_spec().column("certificate_no").export_only
    deep, relative, pending = id_number(), id_number(), id_number()
    data = worker_book([
        worker_row(deep, category="深度困难", status="在档", filed_on="2026-02-01"),
        worker_row(relative, category="相对困难", status="在档", filed_on="2026-02-01"),
        worker_row(pending, category="深度困难")])
    staff = user("staff")
    report = run_import(worker_spec(), data, staff, dry_run=False)
    assert report.written, report.errors
    db.session.commit()
    files = {w.id_number: w for w in db.session.scalars(select(Worker).where(
        Worker.id_number.in_([deep, relative, pending])))}
    [card] = cards(files[deep].id)
    assert NUMBER.fullmatch(card.number) and files[deep].certificate_no == card.number
    assert cards(files[relative].id) == [] and cards(files[pending].id) == []
    [logged] = db.session.scalars(select(AuditLog).where(
        AuditLog.record_type == "workercertificate", AuditLog.action == "create"))
    assert (logged.record_id, logged.username) == (str(card.id), "staff")
    assert logged.changes["number"] == [None, card.number]
    # Worded column by column, as the form's flush words a new card (dates as text).
    assert logged.changes["issued_on"] == [None, "2026-02-01"]
    assert (logged.changes["edition"], logged.changes["kind"]) == ([None, 1], [None, "issue"])


def test_an_import_numbers_its_cards_by_year_in_the_order_the_files_opened(ctx):
    """An archive's cards are numbered per year its files went on record, in the order
    they did (then as filed), each year after its counter's last number; a number past
    six digits is written whole, and the cards' ids follow their numbers."""
    from models.numbering import DocCounter
    from portal.excel.importer import run_import
    from portal.excel.specs import worker_spec
    from tests.excel_files import worker_book, worker_row
    from tests.factories import id_number

    db.session.add_all([DocCounter(prefix="TK", year=2024, last=999_999),
                        DocCounter(prefix="TK", year=2025, last=41)])
    db.session.commit()
    opened = {id_number(): on for on in ("2025-03-01", "2026-01-05", "2025-01-02",
                                          "2026-01-05", "2024-06-30")}
    data = worker_book([worker_row(n, category="深度困难", status="在档", filed_on=on)
                        for n, on in opened.items()])
    report = run_import(worker_spec(), data, user("staff"), dry_run=False)
    assert report.written, report.errors
    db.session.commit()
    files = db.session.execute(select(Worker.id_number, Worker.certificate_no).where(
        Worker.id_number.in_(opened)).order_by(Worker.id)).all()
    a, b, c, d, e = (number for number, _card in files)
    assert dict(files) == {c: "TK-2025-000042", a: "TK-2025-000043", b: "TK-2026-000001",
                           d: "TK-2026-000002", e: "TK-2024-1000000"}
    issued = db.session.execute(select(WorkerCertificate.number, WorkerCertificate.issued_on)
                                .order_by(WorkerCertificate.id)).all()
    assert [number for number, _on in issued] == [
        "TK-2024-1000000", "TK-2025-000042", "TK-2025-000043", "TK-2026-000001",
        "TK-2026-000002"]
    assert [on.isoformat() for _number, on in issued] == sorted(opened.values())
    assert dict(db.session.execute(select(DocCounter.year, DocCounter.last).where(
        DocCounter.prefix == "TK")).all()) == {2024: 1_000_000, 2025: 43, 2026: 2}


def test_bulk_issue_refuses_a_gap_when_a_file_got_its_card_meanwhile(ctx, monkeypatch):
    """A file given its card by another transaction between the count of the files due and
    their insert would leave a reserved number unused: refused, as the old per-file insert
    was by the one-valid-card index, so the caller rolls back."""
    from models import worker_certificate_rules as rules

    due = [make_worker(category="deep") for _ in range(3)]
    db.session.commit()
    reserve = rules._reserve

    def meanwhile(year, count):
        db.session.add(WorkerCertificate(worker_id=due[1].id, number="TK-1999-000009",
                                         edition=1, kind="issue", issued_on=today()))
        db.session.flush()
        return reserve(year, count)

    monkeypatch.setattr(rules, "_reserve", meanwhile)
    with pytest.raises(DomainError, match="请重试"):
        rules.add_missing_certificates()
    db.session.rollback()
    monkeypatch.setattr(rules, "_reserve", reserve)
    assert len(rules.add_missing_certificates()) == 3


@postgres_only
def test_on_postgresql_the_cards_and_their_files_numbers_are_one_statement(ctx):
    """On PostgreSQL the files take their new cards' numbers in the statement that writes
    the cards (no second UPDATE of the files by chunks), with their time of change."""
    from sqlalchemy import event

    from models.worker_certificate_rules import add_missing_certificates

    due = [make_worker(category="deep") for _ in range(3)]
    db.session.commit()
    before = {w.id: w.updated_at for w in due}
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[0])

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        made = add_missing_certificates()
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    db.session.commit()
    assert len(made) == 3 and "UPDATE" not in statements[statements.index("WITH"):], statements
    db.session.expire_all()
    for worker in due:
        [card] = cards(worker.id)
        stored = db.session.get(Worker, worker.id)
        assert stored.certificate_no == card.number and stored.updated_at > before[worker.id]
