"""Sessions end at logout, with a new password, when disabled or idle; temporary passwords."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from models import User, db
from models.user import password_problem
from portal.config import from_environment
from tests.conftest import PASSWORDS, Auth, flashes


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def replay(app, client):
    """Return a new client holding a copy of ``client``'s session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def edit_user(client, auth, pk: int, **fields):
    """Post the admin's user form for user ``pk`` with ``fields``."""
    data = {"csrf_token": auth.token(), "role": "staff", "active": "y", **fields}
    return client.post(f"/admin/user/edit/?id={pk}", data=data)


def test_a_cookie_copied_before_logout_dies_with_it(app, client, auth):
    """Logging out ends the session on the server: a copied cookie is refused afterwards."""
    auth.login("staff")
    copy = replay(app, client)
    assert copy.get("/admin/worker/").status_code == 200  # the copy works while logged in
    auth.logout()
    response = copy.get("/admin/worker/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_new_password_ends_the_users_sessions(app, client, auth):
    """An administrator's new password, or disabling the user, ends the user's sessions."""
    staff = Auth(app.test_client())
    staff.login("staff")
    auth.login("admin")
    pk = user_id(app, "staff")
    edit_user(client, auth, pk, username="staff", new_password="brand-new-pass-1")
    assert staff.client.get("/admin/worker/").status_code == 302
    assert staff.login("staff", password="brand-new-pass-1").status_code == 302
    edit_user(client, auth, pk, username="staff", active="")  # disabled
    edit_user(client, auth, pk, username="staff")  # enabled again: the old session stays dead
    assert staff.client.get("/admin/worker/").status_code == 302


def test_changing_ones_own_password_ends_the_other_sessions(app, client, auth):
    """On /password the user's other sessions end; the one that changed it goes on."""
    other = Auth(app.test_client())
    other.login("clerk")
    auth.login("clerk")
    response = client.post("/password", data={
        "csrf_token": auth.token("/password"), "current": PASSWORDS["clerk"],
        "new": "warehouse-2026", "confirm": "warehouse-2026"})
    assert response.status_code == 302
    assert client.get("/admin/donation/").status_code == 200
    assert other.client.get("/admin/donation/").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "clerk")
                                 ).check_password("warehouse-2026")


def test_an_idle_session_is_sent_to_the_login_page(app, client, auth, monkeypatch):
    """Used within 30 minutes a session lives on; after 30 idle minutes it has ended."""
    now = [1_800_000_000.0]
    monkeypatch.setattr("portal.sessions.clock", lambda: now[0])
    auth.login("staff")
    copy = replay(app, client)
    for _ in range(3):
        now[0] += 29 * 60
        assert client.get("/admin/worker/").status_code == 200
    now[0] += 31 * 60
    copy_response = copy.get("/admin/worker/")  # replaying an older cookie changes nothing
    assert copy_response.status_code == 302
    response = client.get("/admin/worker/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "30 分钟" in flashes(page)
    assert auth.login("staff").status_code == 302  # logging in again works


def test_the_cookie_is_signed_again_once_a_minute(app, client, auth, monkeypatch):
    """Pages within a minute of the session's last written use send no new cookie; a
    page after that writes the new time (and the cookie's expiry moves on with it)."""
    now = [1_800_000_000.0]
    monkeypatch.setattr("portal.sessions.clock", lambda: now[0])
    auth.login("staff")
    client.get("/admin/worker/")  # the first page may add the form token to the session
    now[0] += 59
    assert "Set-Cookie" not in client.get("/admin/worker/").headers
    now[0] += 1
    cookie = client.get("/admin/worker/").headers["Set-Cookie"]
    assert cookie.startswith("session=") and "Expires=" in cookie
    now[0] += 29 * 60 + 59  # within 30 minutes of the time last written: still in
    assert client.get("/admin/worker/").status_code == 200


def test_idle_minutes_is_a_setting(app, client, auth, monkeypatch):
    """SESSION_IDLE_MINUTES changes the limit; the session cookie is a permanent one."""
    app.config["SESSION_IDLE_MINUTES"] = 5
    now = [1_800_000_000.0]
    monkeypatch.setattr("portal.sessions.clock", lambda: now[0])
    response = auth.login("staff")
    assert "Expires=" in response.headers["Set-Cookie"]
    now[0] += 6 * 60
    assert client.get("/admin/worker/").status_code == 302


def test_settings_from_the_environment(monkeypatch, tmp_path):
    """SESSION_COOKIE_SECURE and SESSION_IDLE_MINUTES are read from the environment."""
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.delenv("SESSION_IDLE_MINUTES", raising=False)
    config = from_environment(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is False and config["SESSION_IDLE_MINUTES"] == 30
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "15")
    config = from_environment(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_SECURE"]
    assert config["PERMANENT_SESSION_LIFETIME"] == dt.timedelta(minutes=15)


def test_secure_cookie_when_set(app, client, auth):
    """With SESSION_COOKIE_SECURE on, the session cookie is only sent over HTTPS."""
    app.config["SESSION_COOKIE_SECURE"] = True
    client.environ_base["wsgi.url_scheme"] = "https"
    assert "Secure" in auth.login("staff").headers["Set-Cookie"]


def test_a_temporary_password_must_be_changed_first(app, client, auth):
    """A user an administrator created must choose a password before any admin page."""
    auth.login("admin")
    client.post("/admin/user/new/", data={
        "csrf_token": auth.token(), "username": "newbie", "full_name": "新人",
        "role": "staff", "active": "y", "new_password": "first-pass-1"})
    auth.logout()
    newbie = auth.login(username="newbie", password="first-pass-1")
    assert newbie.headers["Location"] == "/admin/"
    for url in ("/admin/", "/admin/worker/", "/admin/worker/new/", "/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/password?next="), url
    page = client.get("/password").get_data(as_text=True)
    assert "管理员" in flashes(page)
    token = auth.token("/password")
    for new, error in (("short-1", "至少"), ("my-newbie-pass", "用户名"),
                       ("first-pass-1", "相同")):
        page = client.post("/password", data={"csrf_token": token, "current": "first-pass-1",
                                              "new": new, "confirm": new})
        assert page.status_code in (200, 400) and error in page.get_data(as_text=True), new
    response = client.post("/password?next=/admin/worker/", data={
        "csrf_token": token, "current": "first-pass-1", "new": "my-own-choice",
        "confirm": "my-own-choice"})
    assert response.headers["Location"] == "/admin/worker/"
    assert client.get("/admin/worker/").status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "newbie"))
        assert not user.must_change_password and user.check_password("my-own-choice")


def test_a_password_reset_by_an_admin_is_temporary(app, client, auth):
    """A password an admin gives someone else is temporary; one they give themselves is not."""
    auth.login("admin")
    edit_user(client, auth, user_id(app, "staff"), username="staff",
              new_password="reset-by-admin-1")
    edit_user(client, auth, user_id(app, "admin"), username="admin", role="admin",
              new_password="root-choice-2026")
    assert client.get("/admin/").status_code == 200  # the admin's own session goes on
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        assert users["staff"].must_change_password
        assert not users["admin"].must_change_password
        assert users["admin"].check_password("root-choice-2026")


def test_the_wrong_current_password_is_throttled(app, client, auth):
    """A stolen session cannot guess the password on /password: five tries, then 429."""
    auth.login("staff")
    token = auth.token("/password")
    data = {"csrf_token": token, "new": "a-new-password-9", "confirm": "a-new-password-9"}
    for _ in range(5):
        assert client.post("/password", data={**data, "current": "guess-1"}).status_code == 400
    response = client.post("/password", data={**data, "current": PASSWORDS["staff"]})
    assert response.status_code == 429


@pytest.mark.parametrize("password,username,refused", [
    ("short-1", "wang", "10 个字符"),
    ("123456789", "wang", "10 个字符"),
    ("my-wang-pass-1", "wang", "用户名"),
    ("MY-WANG-PASS-1", "Wang", "用户名"),
    ("x" * 257, "wang", "最多 256"),
    ("a-long-enough-one", "wang", None),
    ("0123456789", "", None),
])
def test_password_policy(ctx, password, username, refused):
    """Ten characters at least (256 at most), and not containing the user name in any case."""
    problem = password_problem(password, username)
    assert (problem is None) if refused is None else refused in problem


@pytest.mark.parametrize("password,error", [("short-pw1", "至少"), ("newbie-2026-pass", "用户名")])
def test_admin_form_applies_the_policy(app, client, auth, password, error):
    """The user form refuses a password the policy refuses, and saves nothing."""
    auth.login("admin")
    page = client.post("/admin/user/new/", data={
        "csrf_token": auth.token(), "username": "newbie", "role": "staff", "active": "y",
        "new_password": password}).get_data(as_text=True)
    assert error in page
    assert user_id(app, "newbie") is None


def test_existing_passwords_still_work(app, client, auth):
    """The policy applies when a password is set, never to stored ones ("staff-pass-1")."""
    assert auth.login("staff").status_code == 302
    assert client.get("/admin/worker/").status_code == 200
