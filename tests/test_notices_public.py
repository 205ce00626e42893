"""The public notice board: who sees what, XSS, objections, and no personal data leaking."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from models import Notice, Objection, db
from models.base import DomainError, freeze_today, today
from models.notice_rules import RECENT_DAYS, withdraw
from models.objection_rules import RATE_LIMIT, file_objection
from tests.conftest import CSRF_RE, flashes
from tests.factories import user
from tests.factories_notices import make_education, make_notice, make_objection, make_published

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")


def objection_form(client, pk, **fields):
    """Open the public notice page as a visitor and post its objection form."""
    page = client.get(f"/notices/{pk}").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    data = {"csrf_token": token, "contact": "13800000000", "text": "名单中有人不符合条件。",
            **fields}
    return client.post(f"/notices/{pk}/objection", data=data)


def test_public_list_and_page_without_login(app, client):
    """Running and recent notices are listed; the page shows masked lines, a QR code."""
    with app.app_context():
        pk = make_published([make_education("欧阳娜娜"), make_education("张明")]).id
        make_published(kind="free", title="金秋助学申请指南")
    index = client.get("/notices/")
    assert index.status_code == 200
    html = index.get_data(as_text=True)
    assert "2026年金秋助学拟资助对象公示" in html and "金秋助学申请指南" in html
    response = client.get(f"/notices/{pk}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "欧**娜" in html and "张*" in html and "欧阳娜娜" not in html
    assert "4,000.00" in html and "第一机床厂" in html and "深度困难" in html
    assert '<svg' in html and 'class="segno"' in html and f"/notices/{pk}</title>" in html
    assert "notices.css" in html and 'name="viewport"' in html
    assert "Content-Security-Policy" in response.headers
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert "待处理异议" not in html  # the open-objection count is for staff only


def test_print_stylesheet(client):
    css = client.get("/notices/static/notices.css").get_data(as_text=True)
    assert "@media print" in css and ".objection" in css.split("@media print")[1]


@pytest.mark.parametrize("case", ["draft", "withdrawn", "future", "archived", "missing"])
def test_not_public_answers_404(app, client, case):
    """Drafts, withdrawn, not yet started and long-ended notices do not exist publicly."""
    with app.app_context():
        if case == "draft":
            pk = make_notice([make_education()]).id
        elif case == "future":
            pk = make_published(starts_on=today() + dt.timedelta(days=3)).id
        else:
            notice = make_published()
            if case == "withdrawn":
                withdraw(notice, user("manager"), "名单有误")
                db.session.commit()
            pk = notice.id + (1000 if case == "missing" else 0)
    if case == "archived":
        freeze_today(today() + dt.timedelta(days=RECENT_DAYS + 8))
    response = client.get(f"/notices/{pk}")
    assert response.status_code == 404
    assert "不存在" in response.get_data(as_text=True)
    assert client.get("/notices/").get_data(as_text=True).count(f"/notices/{pk}\"") == 0
    assert objection_form_blind(client, pk).status_code in (400, 404)


def objection_form_blind(client, pk):
    """Post an objection to a notice without having been able to open its page."""
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    return client.post(f"/notices/{pk}/objection", data={
        "csrf_token": token, "contact": "x", "text": "y"})


XSS = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert('x')>",
    "<a href=\"javascript:alert('x')\">点我</a>",
    "<a href=\"JaVaScRiPt:alert('x')\">点我</a>",
    "<svg onload=alert('x')></svg>",
    "<iframe src=\"https://evil.example/\"></iframe>",
    "<p style=\"background:url(javascript:alert('x'))\" onclick=\"alert('x')\">段落</p>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('x')>",
    "<form action=\"https://evil.example/\"><input name=q></form>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
]


@pytest.mark.parametrize("payload", XSS)
def test_xss_in_a_free_notice_is_neutralised(app, client, payload):
    with app.app_context():
        pk = make_published(kind="free", title="<script>alert('t')</script>标题",
                            body=f"<p>申请办法</p>{payload}<p>结束</p>").id
        stored = db.session.get(Notice, pk).body
    html = client.get(f"/notices/{pk}").get_data(as_text=True)
    article = html.split('id="notice"', 1)[1].split("</article>")[0]
    for bad in ("<script", "onerror", "onload", "onclick", "javascript:", "<iframe", "<svg on",
                "<form", "<input", "data:text", "style=", "<img"):
        assert bad not in article.lower() and bad not in stored.lower(), bad
    assert "申请办法" in article  # the harmless text survives
    assert "&lt;script&gt;alert" in html  # the title is escaped, not run


def test_visitor_files_an_objection_staff_sees_the_count(app, client, auth):
    with app.app_context():
        pk = make_published().id
    response = objection_form(client, pk, name="热心群众")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已收到" in flashes(page)
    with app.app_context():
        objection = db.session.scalar(select(Objection))
        assert (objection.notice_id, objection.name, objection.state, objection.ip) == (
            pk, "热心群众", "open", "127.0.0.1")
    assert "待处理异议" not in client.get(f"/notices/{pk}").get_data(as_text=True)
    auth.login("staff")
    assert "待处理异议（仅中心工作人员可见）：1" in client.get(f"/notices/{pk}").get_data(
        as_text=True)
    assert "名单中有人不符合条件" in client.get("/admin/objection/").get_data(as_text=True)


def test_objection_needs_csrf_token(app, client):
    with app.app_context():
        pk = make_published().id
    client.get(f"/notices/{pk}")
    response = client.post(f"/notices/{pk}/objection", data={"contact": "x", "text": "y"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Objection)) == 0


def test_objection_outside_the_period_is_refused(app, client):
    with app.app_context():
        notice = make_published()
        pk, ends_on = notice.id, notice.ends_on
    freeze_today(ends_on + dt.timedelta(days=1))
    page = client.get(f"/notices/{pk}").get_data(as_text=True)
    assert response_has_no_form(page) and "公示期满" in page
    response = objection_form_blind(client, pk)
    assert response.status_code == 400 and "公示期内" in flashes(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Objection)) == 0
        with pytest.raises(DomainError, match="公示期内"):
            file_objection(db.session.get(Notice, pk), "203.0.113.1", "电话", "异议")


def response_has_no_form(page: str) -> bool:
    return 'id="objection-form"' not in page and 'id="objection-closed"' in page


def test_objections_are_rate_limited_per_address(app, client):
    with app.app_context():
        pk = make_published().id
    for _ in range(RATE_LIMIT):
        assert objection_form(client, pk).status_code == 302
    response = objection_form(client, pk)
    assert response.status_code == 429 and "过多" in flashes(response.get_data(as_text=True))
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert objection_form(other, pk).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Objection)) == RATE_LIMIT + 1


def test_objection_form_errors_are_shown(app, client):
    with app.app_context():
        pk = make_published().id
    response = objection_form(client, pk, contact="", text="")
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)


def test_staff_resolve_with_a_reply_managers_only_read(app, client, auth):
    with app.app_context():
        pk = make_objection(make_published(), text="<script>alert(1)</script>收入不符").id
    auth.login("manager")
    assert client.get(f"/admin/objection/edit/?id={pk}").status_code == 403
    assert "&lt;script&gt;" in client.get("/admin/objection/").get_data(as_text=True)
    auth.logout()
    auth.login("staff")
    page = client.get(f"/admin/objection/edit/?id={pk}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;收入不符" in page
    assert "<script>alert(1)" not in page
    client.post(f"/admin/objection/edit/?id={pk}", data={
        "csrf_token": auth.token(), "reply": "", "resolve": "y"})
    with app.app_context():
        assert db.session.get(Objection, pk).state == "open"
    client.post(f"/admin/objection/edit/?id={pk}", data={
        "csrf_token": auth.token(), "reply": "经入户核实，收入情况属实。", "resolve": "y"})
    with app.app_context():
        objection = db.session.get(Objection, pk)
        assert (objection.state, objection.resolved_by.username) == ("resolved", "staff")


def test_public_list_is_newest_first(app, client):
    """Notices are listed by the day they went up, newest first (running ones before ended)."""
    day = today()

    def published_on(start: int, end: int, title: str) -> int:
        freeze_today(day + dt.timedelta(days=start))  # a notice cannot start in the past
        notice = make_published(kind="free", title=title, ends_on=day + dt.timedelta(days=end))
        freeze_today(None)
        return notice.id

    with app.app_context():
        long_running = published_on(-10, 20, "长期公示")
        newest = published_on(0, 6, "今日公示")
        ended_late = published_on(-9, -3, "较新已结束")
        ended_early = published_on(-20, -1, "较早已结束")
    html = client.get("/notices/").get_data(as_text=True)
    listed = [int(n) for n in re.findall(r'href="/notices/(\d+)"', html)]
    assert listed == [newest, long_running, ended_late, ended_early]


@pytest.mark.parametrize("path", ["/notices/abc", "/notices/abc/def", "/notices/1x"])
def test_a_bad_notice_address_gets_the_public_404(client, path):
    """A notice address that is not a number answers the public board's 404, not the admin's."""
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "该公示不存在或已不再公开" in html or "notices.css" in html
    assert "notices.css" in html and "/admin/" not in html
