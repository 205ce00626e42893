"""An existing database with data, made by the first migration, upgrades to head and works."""
from __future__ import annotations

import json

from flask_migrate import upgrade
from sqlalchemy import text

from models import db
from tests.conftest import CSRF_RE, HASHES, PASSWORDS
from tests.factories import id_number

FIRST = "327b42c68808"


def _rows_of_the_first_release(conn, worker_id_number: str, member_id_number: str) -> None:
    """Insert, with plain SQL as the first release stored them, a user, settings, an audit
    entry, and a worker file with a household member and its person index rows; ids come
    from the database (PostgreSQL's sequences must go on past them after the upgrade)."""
    conn.execute(text(
        "INSERT INTO setting (key, value) VALUES ('dibao_line', '950.00')"))
    conn.execute(text(
        'INSERT INTO "user" (username, full_name, role, password_hash, active, created_at)'
        " VALUES ('admin', '老管理员', 'admin', :hash, :yes, '2026-01-05 08:00:00')"),
        {"hash": HASHES["admin"], "yes": True})
    conn.execute(text(
        "INSERT INTO audit_log (at, user_id, username, ip, action, record_type, record_id,"
        " changes, note) VALUES ('2026-01-05 08:01:00', 1, 'admin', '10.0.0.8', 'login',"
        " 'user', '1', :changes, '')"), {"changes": json.dumps({"role": [None, "admin"]})})
    conn.execute(text(
        "INSERT INTO worker (name, id_number, gender, birth_date, ethnicity, phone,"
        " base_union, employer, employer_nature, address, category, main_cause,"
        " secondary_causes, health, disability, single_parent, household_size,"
        " household_income, essential_spending, per_capita_income, on_dibao, housing_type,"
        " housing_area, medical_insurance, bank_name, bank_card_no, status, filed_on,"
        " filed_by_id, reviewed_by_id, last_reviewed_on, exit_date, exit_reason,"
        " certificate_no, notes, updated_at) VALUES ('欧阳秀英', :idn, 'F', '1975-03-01',"
        " '汉族', '13800138000', '市总工会', '红星机械厂', NULL, '幸福路1号', 'deep',"
        " 'illness', :causes, NULL, '', :no, 2, 12000.00, 2400.00, 400.00, :no, NULL, NULL,"
        " NULL, '', '', 'active', '2026-01-05', 1, NULL, NULL, NULL, '', '', '',"
        " '2026-01-05 08:02:00')"),
        {"idn": worker_id_number, "causes": json.dumps(["child_school"]), "no": False})
    conn.execute(text(
        "INSERT INTO family_member (worker_id, name, relation, id_number, health,"
        " monthly_income, school_or_work) VALUES (1, '欧阳明', 'child', :idn, NULL, 0,"
        " '市第一中学')"), {"idn": member_id_number})
    conn.execute(text(
        "INSERT INTO person_in_file (id_number, worker_id, member_id, live) VALUES"
        " (:w, 1, NULL, :yes), (:m, 1, 1, :yes)"),
        {"w": worker_id_number, "m": member_id_number, "yes": True})


def test_first_release_data_upgrades_to_head_and_the_portal_works(database_config, tmp_path):
    """Upgrade to the first revision, add rows, upgrade to head: rows kept, pages work."""
    from portal import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", **database_config})
    app.instance_path = str(tmp_path)
    waiting = tmp_path / "imports" / ("ab" * 16 + ".xlsx")  # where uploads used to wait
    waiting.parent.mkdir()
    waiting.write_bytes(b"PK")
    directory = app.extensions["migrate"].directory
    worker_idn, member_idn = id_number(), id_number()
    with app.app_context():
        upgrade(directory=directory, revision=FIRST)
        with db.engine.begin() as conn:
            _rows_of_the_first_release(conn, worker_idn, member_idn)
        # "heads": other branches may wait to be chained; each must carry the data.
        upgrade(directory=directory, revision="heads")
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT value FROM setting WHERE key = 'dibao_line'")) \
                == "950.00"
            assert conn.scalar(text("SELECT name FROM worker WHERE id_number = :i"),
                               {"i": worker_idn}) == "欧阳秀英"
            assert conn.scalar(text("SELECT count(*) FROM person_in_file WHERE live")) == 2
            assert conn.scalar(text("SELECT note FROM audit_log WHERE id = 1")) == ""
            assert conn.scalar(text('SELECT session_version FROM "user" WHERE id = 1')) == 0
        assert not waiting.parent.exists()  # uploads wait in the database now

    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": "admin", "password": PASSWORDS["admin"],
                                           "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    listing = client.get(f"/admin/worker/?search={worker_idn}")
    assert listing.status_code == 200 and "欧阳秀英" in listing.get_data(as_text=True)
    details = client.get("/admin/worker/details/?id=1")
    assert details.status_code == 200 and "欧阳明" in details.get_data(as_text=True)
    audit = client.get("/admin/auditlog/")
    assert audit.status_code == 200 and "10.0.0.8" in audit.get_data(as_text=True)
    assert client.get("/healthz").status_code == 200
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
