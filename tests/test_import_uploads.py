"""Uploaded import files: kept in the database for their owner, gone after the confirm or
the time limit, never on a server's disk."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, insert, select

from models import ImportUpload, User, db
from models.base import utcnow
from portal.excel import uploads
from tests.excel_files import worker_row
from tests.factories import id_number
from tests.test_excel_import import book, confirm, upload


def workers(app, n: int) -> bytes:
    """Return a valid import of ``n`` new worker files."""
    return book(app, [worker_row(id_number(), name=f"孙立{i}") for i in range(n)])


def kept(app) -> list[ImportUpload]:
    """Return the uploads waiting in the database, oldest first."""
    with app.app_context():
        rows = db.session.scalars(select(ImportUpload).order_by(ImportUpload.created_at)).all()
        db.session.expunge_all()
        return rows


def user_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == name))


def test_a_previewed_file_waits_in_the_database_and_is_deleted_at_confirm(app, client, auth,
                                                                          tmp_path,
                                                                          monkeypatch):
    """The preview keeps the bytes for its user (not on disk); the confirm deletes them."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    auth.login("staff")
    data = workers(app, 2)
    page = upload(client, auth, data).get_data(as_text=True)
    [row] = kept(app)
    assert row.data == data and row.owner_id == user_id(app, "staff")
    assert f'name="token" value="{row.token}"' in page
    assert not (tmp_path / "imports").exists()
    assert confirm(client, auth, page).status_code == 302
    assert kept(app) == []


def test_a_second_preview_replaces_the_first_upload(app, client, auth):
    """Only the newest preview of a session is kept: the older one can never be confirmed."""
    auth.login("staff")
    upload(client, auth, workers(app, 2))
    first = [row.token for row in kept(app)]
    upload(client, auth, workers(app, 3))
    second = [row.token for row in kept(app)]
    assert len(first) == len(second) == 1 and first != second


@pytest.mark.parametrize("hours,left", [(24, 1), (1, 0)])
def test_stale_uploads_are_deleted_after_the_time_limit(app, client, auth, hours, left):
    """An upload nobody confirmed is deleted at the next preview once older than the limit."""
    app.config["IMPORT_UPLOAD_HOURS"] = hours
    with app.app_context():
        db.session.execute(insert(ImportUpload).values(
            token="ab" * 16, owner_id=user_id(app, "admin"), data=b"PK",
            created_at=utcnow() - dt.timedelta(hours=2)))
        db.session.commit()
    auth.login("staff")
    page = upload(client, auth, workers(app, 1)).get_data(as_text=True)
    assert ("ab" * 16 in [row.token for row in kept(app)]) is bool(left)
    confirm(client, auth, page)
    assert len(kept(app)) == left


def test_a_confirm_whose_upload_is_gone_asks_for_the_upload_again(app, client, auth):
    """The upload was purged between the preview and the confirm: a clear message, no 500."""
    auth.login("staff")
    page = upload(client, auth, workers(app, 1)).get_data(as_text=True)
    with app.app_context():
        db.session.execute(delete(ImportUpload))
        db.session.commit()
    response = confirm(client, auth, page)
    assert response.status_code == 302
    assert "预览已失效" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_only_the_owner_fetches_an_upload_back(app):
    """A token alone is not enough: another user, or a malformed token, gets nothing."""
    with app.app_context():
        token = uploads.keep(user_id(app, "staff"), b"PK-data")
        assert uploads.read(user_id(app, "staff"), token) == b"PK-data"
        assert uploads.read(user_id(app, "admin"), token) is None
        assert uploads.read(user_id(app, "staff"), token.upper()) is None
        assert uploads.read(user_id(app, "staff"), "' OR 1=1 --") is None
        uploads.discard(token)
        assert uploads.read(user_id(app, "staff"), token) is None
