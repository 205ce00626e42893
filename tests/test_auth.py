"""Login, lock-out, CSRF, cookies and user management."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from models import User, Worker, db
from tests.conftest import flashes
from tests.test_workers import form


def test_login_and_logout(client, auth):
    """A user logs in, reaches the admin, logs out and is sent back to the login page."""
    assert auth.login("staff").status_code == 302
    assert client.get("/admin/worker/").status_code == 200
    auth.logout()
    assert client.get("/admin/worker/").status_code == 302


def test_session_cookie_flags(client, auth):
    """The session cookie is HttpOnly and SameSite=Lax."""
    response = auth.login("staff")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_passwords_are_hashed(ctx):
    """The stored password is a salted hash, not the password."""
    user = User(username="h", role="staff")
    user.set_password("secret-pass")
    assert "secret-pass" not in user.password_hash and user.check_password("secret-pass")


def test_five_failures_lock_the_account(app, client, auth, monkeypatch):
    """Five failures in 15 minutes lock the name, even for the right password, for 15 min."""
    for _ in range(5):
        assert auth.login("staff", password="wrong").status_code == 401
    locked = auth.login("staff")
    assert locked.status_code == 429
    assert "锁定" in flashes(locked.get_data(as_text=True))
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=16)
    monkeypatch.setattr("portal.auth.utcnow", lambda: later)
    assert auth.login("staff").status_code == 302


def test_four_failures_do_not_lock(client, auth):
    """Fewer than five failures leave the account usable."""
    for _ in range(4):
        auth.login("staff", password="wrong")
    assert auth.login("staff").status_code == 302


def test_post_without_csrf_token_is_refused(app, client, auth):
    """Forms, deletes and actions without the token answer 400 and change nothing."""
    auth.login("admin")
    data = form("")
    del data["csrf_token"]
    response = client.post("/admin/worker/new/", data=data)
    assert response.status_code == 400 and "表单" in response.get_data(as_text=True)
    with app.app_context():
        from tests.factories import make_worker
        pk = make_worker().id
    assert client.post("/admin/worker/delete/", data={"id": pk}).status_code == 400
    assert client.post("/admin/worker/action/", data={"action": "delete",
                                                      "rowid": [pk]}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Worker)) == 1


def test_login_form_needs_csrf(client):
    """The login form itself is CSRF-protected."""
    response = client.post("/login", data={"username": "staff", "password": "staff-pass-1"})
    assert response.status_code == 400


def test_admin_manages_users(app, client, auth):
    """Admin creates a user, changes the role, resets the password and disables it."""
    auth.login("admin")
    token = auth.token()
    client.post("/admin/user/new/", data={"csrf_token": token, "username": "newbie",
                                          "full_name": "新人", "role": "staff", "active": "y",
                                          "new_password": "first-pass-1"})
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "newbie"))
        assert user.check_password("first-pass-1")
        pk = user.id
    client.post(f"/admin/user/edit/?id={pk}", data={
        "csrf_token": token, "username": "newbie", "full_name": "新人", "role": "clerk",
        "new_password": "second-pass-2"})  # 'active' unticked: disabled
    with app.app_context():
        user = db.session.get(User, pk)
        assert (user.role, user.active) == ("clerk", False)
        assert user.check_password("second-pass-2")
    auth.logout()
    assert auth.login("newbie", password="second-pass-2", username="newbie").status_code == 401


def test_new_user_needs_a_password(app, client, auth):
    """Creating a user without a password is refused."""
    auth.login("admin")
    client.post("/admin/user/new/", data={"csrf_token": auth.token(), "username": "nopass",
                                          "role": "staff", "active": "y"})
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "nopass")) is None


def test_cli_create_user(app, runner):
    """`portal create-user` creates a user who can log in."""
    result = runner.invoke(args=["create-user", "wang", "--role", "manager",
                                 "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "wang"))
        assert user.role == "manager" and user.check_password("long-enough-1")


def test_logout_by_get_asks_first(client, auth):
    """A GET /logout (a link, or an image on another site) does not sign the user out."""
    auth.login("staff")
    page = client.get("/logout")
    assert page.status_code == 200 and 'id="confirm-logout"' in page.get_data(as_text=True)
    assert client.get("/admin/worker/").status_code == 200
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert client.get("/admin/worker/").status_code == 200
    auth.logout()
    assert client.get("/admin/worker/").status_code == 302
    assert client.get("/logout").status_code == 302  # signed out already: to the login page


def test_cli_create_user_keeps_the_password_policy(app, runner):
    """The command refuses what the forms refuse, in Chinese, and saves nothing."""
    for password, message in (("short-1", "至少需要 10 个字符"), ("wang-is-long-enough", "用户名")):
        result = runner.invoke(args=["create-user", "wang", "--role", "staff",
                                     "--password", password])
        assert result.exit_code == 2 and message in result.output, result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "wang")) is None


def test_cli_create_user_temporary_password_must_be_changed(app, runner, client, auth):
    """``--temporary``: the first login goes to the change-password page."""
    result = runner.invoke(args=["create-user", "li", "--role", "staff",
                                 "--password", "first-day-pass", "--temporary"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "li")).must_change_password
    page = auth.login(username="li", password="first-day-pass")
    assert page.status_code == 302
    assert client.get("/admin/worker/").headers["Location"].startswith("/password?next=")


def test_every_admin_page_links_to_change_password(client, auth):
    """The navbar offers each signed-in user the change-password page."""
    auth.login("clerk")
    page = client.get("/admin/").get_data(as_text=True)
    assert 'id="change-password"' in page and 'href="/password"' in page and "修改密码" in page
