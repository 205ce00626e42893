"""Uploaded import files: private while kept, gone after the confirm or the time limit."""
from __future__ import annotations

import os
import stat
import time

import pytest

from tests.excel_files import worker_row
from tests.factories import id_number
from tests.test_excel_import import book, confirm, upload


def workers(app, n: int) -> bytes:
    """Return a valid import of ``n`` new worker files."""
    return book(app, [worker_row(id_number(), name=f"孙立{i}") for i in range(n)])


@pytest.fixture
def instance(app, tmp_path, monkeypatch):
    """Give the app an instance folder of its own for this test; return the uploads folder."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "imports"


def kept(folder) -> list:
    return sorted(folder.glob("*.xlsx"))


def test_a_previewed_file_is_private_and_deleted_at_confirm(app, client, auth, instance):
    """0600 in a 0700 folder while waiting for the confirm; deleted once confirmed."""
    auth.login("staff")
    page = upload(client, auth, workers(app, 2)).get_data(as_text=True)
    [path] = kept(instance)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert confirm(client, auth, page).status_code == 302
    assert kept(instance) == []


def test_a_second_preview_replaces_the_first_file(app, client, auth, instance):
    """Only the newest preview of a session is kept: the older one can never be confirmed."""
    auth.login("staff")
    upload(client, auth, workers(app, 2))
    first = kept(instance)
    upload(client, auth, workers(app, 3))
    second = kept(instance)
    assert len(first) == len(second) == 1 and first != second


@pytest.mark.parametrize("hours,left", [(24, 1), (1, 0)])
def test_stale_uploads_are_deleted_after_the_time_limit(app, client, auth, instance, hours,
                                                        left):
    """A file nobody confirmed is deleted at the next preview once older than the limit."""
    app.config["IMPORT_UPLOAD_HOURS"] = hours
    instance.mkdir(mode=0o700)
    forgotten = instance / ("ab" * 16 + ".xlsx")
    forgotten.write_bytes(b"PK")
    two_hours_ago = time.time() - 2 * 3600
    os.utime(forgotten, (two_hours_ago, two_hours_ago))
    auth.login("staff")
    page = upload(client, auth, workers(app, 1)).get_data(as_text=True)
    assert forgotten.exists() is bool(left)
    confirm(client, auth, page)
    assert len(kept(instance)) == left


def test_a_confirm_whose_file_is_gone_asks_for_the_upload_again(app, client, auth, instance):
    """The file was purged between the preview and the confirm: a clear message, no 500."""
    auth.login("staff")
    page = upload(client, auth, workers(app, 1)).get_data(as_text=True)
    for path in kept(instance):
        path.unlink()
    response = confirm(client, auth, page)
    assert response.status_code == 302
    assert "预览已失效" in client.get(response.headers["Location"]).get_data(as_text=True)
