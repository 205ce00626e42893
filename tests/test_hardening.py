"""What an attacker or a careless client tried at the edges (issue 12): each refused."""
from __future__ import annotations

import csv
import io
import multiprocessing
import stat
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from portal.config import instance_secret
from tests.conftest import ON_POSTGRES, PASSWORDS, csrf_token
from tests.factories import make_worker

# The classic ways out of a "same-site only" redirect check.
BYPASSES = [
    "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example", "/\n/evil.example", "\t//evil.example", " //evil.example",
    "https://evil.example", "http:/evil.example", "http:evil.example",
    "javascript:alert(1)", "/\r\nSet-Cookie: x=1", "/%0d%0aSet-Cookie:x=1",
    "evil.example", "/\x00/evil.example", "/\u3000/evil.example",
]


@pytest.mark.parametrize("target", BYPASSES)
def test_login_never_redirects_off_site(client, target):
    """Only same-site paths pass through ``next``; everything else lands on /admin/."""
    response = client.post("/login", query_string={"next": target}, data={
        "username": "staff", "password": PASSWORDS["staff"],
        "csrf_token": csrf_token(client)})
    if "\x00" in target:  # refused before anything else reads it
        assert response.status_code == 400
        return
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//")
    assert "\\" not in location and not any(ord(ch) <= 32 for ch in location)
    assert urlsplit(urljoin("http://portal.test/login", location)).netloc == "portal.test"


def test_login_keeps_a_same_site_next(client):
    response = client.post("/login?next=/admin/worker/%3Fsearch%3D1", data={
        "username": "staff", "password": PASSWORDS["staff"], "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/admin/worker/?search=1"


def test_oversized_public_posts_are_refused_unread(client):
    """A large body to the login or the objection form gets a Chinese 413, not a read."""
    blob = b"x" * (200 * 1024)
    for url in ("/login", "/notices/1/objection"):
        response = client.post(url, data=blob, content_type="application/octet-stream")
        assert response.status_code == 413, url
        assert "过大" in response.get_data(as_text=True)


def test_admin_requests_above_max_content_length_are_refused(app, client, auth):
    """MAX_CONTENT_LENGTH (a setting) bounds every request, uploads included."""
    app.config["MAX_CONTENT_LENGTH"] = 100 * 1024
    auth.login("staff")
    response = client.post("/admin/worker/import/", data={
        "csrf_token": auth.token(), "file": (io.BytesIO(b"PK" + b"\0" * 200 * 1024), "a.xlsx")},
        content_type="multipart/form-data")
    assert response.status_code == 413


def _race_for_the_key(folder: str, queue) -> None:
    queue.put(instance_secret(folder))


def test_processes_starting_together_agree_on_one_secret_key(tmp_path):
    """Eight processes making the key at once all end with the same one, private to us."""
    context = multiprocessing.get_context("fork")
    for trial in range(5):
        folder = tmp_path / f"instance{trial}"
        queue = context.Queue()
        workers = [context.Process(target=_race_for_the_key, args=(str(folder), queue))
                   for _ in range(8)]
        for process in workers:
            process.start()
        keys = {queue.get(timeout=30) for _ in workers}
        for process in workers:
            process.join(30)
        assert len(keys) == 1
        assert stat.S_IMODE((folder / "secret_key").stat().st_mode) == 0o600
        assert sorted(p.name for p in folder.iterdir()) == ["secret_key"]
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite file's own mode")
def test_the_database_file_and_instance_folder_are_private(app, client):
    """The SQLite file (full ID and card numbers) is 0600; the instance folder 0700."""
    client.get("/login")  # opens a connection
    path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(app.instance_path).stat().st_mode) == 0o700


def test_public_links_use_the_configured_address_not_the_host_header(app, client):
    """A forged Host header never reaches the QR code or the link printed on a notice."""
    from tests.factories_notices import make_published

    with app.app_context():
        notice_id = make_published().id
    app.config["PUBLIC_BASE_URL"] = "https://bangfu.example.cn/"
    page = client.get(f"/notices/{notice_id}", headers={"Host": "evil.example"})
    text = page.get_data(as_text=True)
    assert f"https://bangfu.example.cn/notices/{notice_id}" in text
    assert "evil.example" not in text


def test_without_the_setting_production_pages_print_no_host_header(app, client):
    from tests.factories_notices import make_published

    with app.app_context():
        notice_id = make_published().id
    app.testing = False
    try:
        text = client.get(f"/notices/{notice_id}", headers={"Host": "evil.example"}
                          ).get_data(as_text=True)
    finally:
        app.testing = True
    assert "evil.example" not in text


def test_csv_keeps_long_numbers_as_text(app, client, auth):
    """18-digit IDs and 19-digit cards open in Excel as text, not 3.7E+17."""
    with app.app_context():
        worker = make_worker(bank_card_no="6222020200001234567")
        number = worker.id_number
    auth.login("admin")
    data = client.get("/admin/worker/export/csv/").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(data)))
    cells = [cell for row in rows[1:] for cell in row]
    assert "\t" + number in cells and number not in cells
    assert "\t6222020200001234567" in cells
