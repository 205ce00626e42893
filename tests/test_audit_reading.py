"""The audit log as a manager reads it, and settings edited by their labels."""
from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import urlencode

from sqlalchemy import select

from models import AuditLog, Setting, db
from models.choices import ASSISTANCE_KINDS, WORKER_CATEGORIES
from models.display import local_time
from tests.conftest import flashes
from tests.factories import make_assistance, make_fund, make_worker

FILTERS = {"record_type": 0, "user": 1, "action": 2, "date": 3}


def _text(page: str) -> str:
    """Return the page's visible text, tags removed and spaces folded."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _log_page(client, **filters) -> str:
    args = urlencode({f"flt{i}_{FILTERS[name]}": value
                      for i, (name, value) in enumerate(filters.items())})
    response = client.get(f"/admin/auditlog/?{args}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_changes_read_in_labels_words_and_names(app, client, auth):
    """Field labels, choice labels, related records by name, China time to the second."""
    with app.test_request_context():
        fund = make_fund(name="市总工会帮扶专项资金")
        worker = make_worker(name="王小明", category="deep")
        record = make_assistance(worker=worker, kind="medical", fund_id=fund.id)
        row = db.session.scalar(select(AuditLog).where(AuditLog.record_type == "assistance"))
        expected = {"time": local_time(row.at, seconds=True), "worker": str(worker),
                    "medical": str(ASSISTANCE_KINDS["medical"]),
                    "deep": str(WORKER_CATEGORIES["deep"]), "record": f"{record.id} "}
    auth.login("manager")
    text = _text(_log_page(client, record_type="assistance"))
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", text)
    assert expected["time"] in text
    # 困难职工 王小明（…）, 帮扶类别 医疗救助, 资金 by its name: no column names, codes or ids.
    assert f"困难职工 — {expected['worker']}" in text
    assert f"— {expected['medical']}" in text and "市总工会帮扶专项资金" in text
    for raw in ("worker_id", "fund_id", "cash_amount", " medical ", "applied_by_id"):
        assert raw not in text, raw
    assert "帮扶记录" in text and expected["record"] + expected["worker"] in text
    worker_page = _text(_log_page(client, record_type="worker"))
    assert f"— {expected['deep']}" in worker_page and "category" not in worker_page


def test_user_shown_by_name_and_filters_by_user_action_and_china_day(app, client, auth):
    """The log names users by display name; filters pick user, action and day (China time)."""
    auth.login("staff", password="wrong-password")
    auth.login("staff")
    with app.app_context():
        # 2026-03-01 17:30 UTC is 2026-03-02 01:30 in China.
        db.session.add(AuditLog(username="admin", action="export", record_type="worker",
                                at=dt.datetime(2026, 3, 1, 17, 30, 5), note="xlsx",
                                changes={"rows": [None, 3], "scope": [None, "all"]}))
        db.session.commit()
    auth.logout()
    auth.login("manager")
    by_staff = _text(_log_page(client, user="staff"))
    assert "测试staff" in by_staff and "登录失败" in by_staff and "测试admin" not in by_staff
    failed = _text(_log_page(client, user="staff", action="login_failed"))
    assert "登录失败" in failed and "登录 " not in failed.split("登录失败", 1)[0][-4:]
    on_the_2nd = _text(_log_page(client, date="2026-03-02 to 2026-03-02"))
    assert "2026-03-02 01:30:05" in on_the_2nd and "测试admin" in on_the_2nd
    assert "行数 — 3" in on_the_2nd and "全部记录" in on_the_2nd
    on_the_1st = _text(_log_page(client, date="2026-03-01 to 2026-03-01"))
    assert "01:30:05" not in on_the_1st
    # The filter menu offers the users by name and the record types by their menu names.
    page = client.get("/admin/auditlog/").get_data(as_text=True)
    assert "测试staff" in page and "帮扶记录" in page
    assert client.get("/admin/auditlog/?flt0_3=not-a-date").status_code == 200


def test_case_deadlines_are_read_and_edited_by_the_types_names(app, client, auth):
    """The deadlines per case type are listed and offered for editing as 劳动争议调解=30,
    not as codes; names or codes may be typed, codes are stored; a name not known gets
    a Chinese refusal naming it."""
    auth.login("admin")
    listed = _text(client.get("/admin/setting/").get_data(as_text=True))
    assert "劳动争议调解=30" in listed and "mediation" not in listed
    url = "/admin/setting/edit/?id=case_deadline_by_type"
    form = client.get(url).get_data(as_text=True)
    assert "劳动争议调解=30" in form and "mediation=" not in form
    response = client.post(url, data={"csrf_token": auth.token(url),
                                       "value": "法律援助=20、劳动争议调解＝45，wages=10"})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Setting, "case_deadline_by_type").value == (
            "wages=10,legal_aid=20,mediation=45")
    refused = client.post(url, data={"csrf_token": auth.token(url), "value": "吵架=3"})
    assert refused.status_code == 422
    assert "无法识别：吵架=3" in flashes(refused.get_data(as_text=True))
    assert "如 劳动争议调解=30" in flashes(refused.get_data(as_text=True))


def test_settings_edited_and_listed_by_labels(app, client, auth):
    """助学 is ticked by its label; saving keeps codes; unknown codes get a Chinese refusal."""
    with app.test_request_context():
        labels = {code: str(label) for code, label in ASSISTANCE_KINDS.items()}
    auth.login("admin")
    listed = _text(client.get("/admin/setting/").get_data(as_text=True))
    assert labels["education"] in listed and "education" not in listed
    url = "/admin/setting/edit/?id=notice_required_kinds"
    form = client.get(url).get_data(as_text=True)
    assert 'type="checkbox"' in form and labels["medical"] in form
    assert re.search(r'checked[^>]*value="education"|value="education"[^>]*checked', form)
    response = client.post(url, data={"csrf_token": auth.token(url),
                                       "value": ["medical", "education"]})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Setting, "notice_required_kinds").value == "medical,education"
    refused = client.post(url, data={"csrf_token": auth.token(url), "value": ["bogus"]})
    assert refused.status_code == 422 and "bogus" in flashes(refused.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Setting, "notice_required_kinds").value == "medical,education"
    auth.logout()
    auth.login("manager")
    log = _text(_log_page(client, record_type="setting"))
    assert f"{labels['education']} {labels['medical']}、{labels['education']}" in log
