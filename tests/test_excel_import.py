"""Importing worker files from Excel: preview, atomic write, and every bad file refused."""
from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from models import AuditLog, FamilyMember, PersonInFile, Worker, db
from tests.conftest import flashes
from tests.excel_files import OLE_MAGIC, worker_book, worker_row, zip_bomb
from tests.factories import id_number, make_worker


def book(app, *args, **kwargs) -> bytes:
    """Build a workbook with the headers as the portal's users see them (Chinese)."""
    with app.test_request_context():
        return worker_book(*args, **kwargs)


def upload(client, auth, data: bytes, name="workers.xlsx"):
    return client.post("/admin/worker/import/", data={
        "csrf_token": auth.token(), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


def confirm(client, auth, page: str):
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    return client.post("/admin/worker/import/confirm/",
                       data={"csrf_token": auth.token(), "token": token})


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_preview_then_confirm_creates_files_with_members(app, client, auth):
    """The dry run writes nothing; confirming writes files, members and the person index."""
    first, second, child = id_number(), id_number(), id_number(dt.date(2012, 3, 1))
    data = book(
        app,
        [worker_row(first, filed_on="2026-03-01"), worker_row(second.lower(), name="郑海燕",
                                                              phone="13700002222")],
        members=[{"worker_id_number": first, "name": "孙小雨", "relation": "子女",
                  "id_number": child}])
    auth.login("staff")
    page = upload(client, auth, data).get_data(as_text=True)
    assert "新建：2，更新：0" in page
    with app.app_context():
        assert count(Worker) == 0
    response = confirm(client, auth, page)
    assert response.status_code == 302
    with app.app_context():
        worker = db.session.scalar(select(Worker).where(Worker.id_number == first))
        assert worker.filed_on == dt.date(2026, 3, 1) and worker.status == "pending"
        assert worker.category == "relative" and worker.household_size == 2
        assert str(worker.per_capita_income) == "1000.00"
        assert [m.id_number for m in worker.members] == [child]
        assert db.session.scalar(select(Worker.id).where(Worker.id_number == second.upper()))
        assert count(PersonInFile) == 3
        row = db.session.scalar(select(AuditLog).where(AuditLog.action == "import"))
        assert row.changes["created"] == [None, 2] and row.username == "staff"


def test_one_bad_row_among_a_thousand_writes_nothing(app, client, auth):
    """Atomicity: every error is listed by row and column, and nothing is written."""
    rows = [worker_row(id_number(), phone=f"135{i:08d}", name=f"职工{i}") for i in range(1000)]
    rows[736]["id_number"] = "370102198005170011"
    auth.login("staff")
    page = upload(client, auth, book(app, rows)).get_data(as_text=True)
    assert "738" in page and "校验位" in page and 'name="token"' not in page
    with app.app_context():
        assert count(Worker) == 0


def test_duplicates_in_file_and_against_live_files(app, client, auth):
    """An ID twice in the file, or held in another live file, is an error."""
    taken, twice = id_number(), id_number()
    with app.app_context():
        make_worker(members=[{"name": "占用", "id_number": taken}])
    auth.login("staff")
    page = upload(client, auth, book(app, [worker_row(taken), worker_row(twice),
                                             worker_row(twice, name="重复")])).get_data(
        as_text=True)
    assert "与第 3 行身份证号重复" in page
    assert "已在" in page and 'name="token"' not in page
    with app.app_context():
        assert count(Worker) == 1


def test_upsert_updates_by_id_number_and_round_trip_is_unchanged(app, client, auth):
    """An exported list imports back unchanged; an edited phone updates that file only."""
    with app.app_context():
        make_worker(name="往返", members=[{"name": "家属", "id_number": id_number()}])
        make_worker(name="另一人")
    auth.login("admin")
    exported = client.get("/admin/worker/export/xlsx/").data
    page = upload(client, auth, exported).get_data(as_text=True)
    assert "新建：0，更新：0，不变：2" in page
    workbook = openpyxl.load_workbook(io.BytesIO(exported))
    sheet = workbook.worksheets[0]
    phone_col = [c.value for c in sheet[1]].index("联系电话") + 1
    sheet.cell(row=2, column=phone_col, value="13512345678")
    out = io.BytesIO()
    workbook.save(out)
    page = upload(client, auth, out.getvalue()).get_data(as_text=True)
    confirm(client, auth, page)
    with app.app_context():
        phones = set(db.session.scalars(select(Worker.phone)))
        assert "13512345678" in phones and count(Worker) == 2 and count(FamilyMember) == 1


@pytest.mark.parametrize("case,message", [
    ("text", "不是 Excel"), ("encrypted", "加密"), ("bomb", "大小"), ("big", "超过"),
    ("renamed", "无法识别"), ("missing", "缺少"), ("empty", "没有数据"), ("merged", "合并"),
    ("formula", "公式")])
def test_bad_files_are_refused_clearly(app, client, auth, case, message):
    """Each malformed file gets a Chinese message and writes nothing."""
    good = book(app, [worker_row(id_number())])
    if case == "text":
        data = "姓名,身份证号\n张三,1\n".encode()
    elif case == "encrypted":
        data = OLE_MAGIC + b"\0" * 4000
    elif case == "bomb":
        data = zip_bomb()
    elif case == "big":
        app.config["IMPORT_MAX_BYTES"] = 1000
        data = good
    else:
        workbook = openpyxl.load_workbook(io.BytesIO(good))
        sheet = workbook.worksheets[0]
        if case == "renamed":
            sheet.cell(row=1, column=1, value="职工名字")
        elif case == "missing":
            sheet.delete_cols(2)
        elif case == "empty":
            sheet.delete_rows(1, 2)
        elif case == "merged":
            sheet.merge_cells("A2:B2")
        elif case == "formula":
            sheet.cell(row=2, column=7, value="=1+1")
        out = io.BytesIO()
        workbook.save(out)
        data = out.getvalue()
    auth.login("staff")
    response = upload(client, auth, data)
    page = client.get(response.headers["Location"]).get_data(as_text=True) \
        if response.status_code == 302 else response.get_data(as_text=True)
    assert message in flashes(page), flashes(page)
    with app.app_context():
        assert count(Worker) == 0


def test_dates_as_text_and_excel_serials(ctx):
    """Dates come as dates, as YYYY-MM-DD text or as Excel serial numbers."""
    from portal.excel.spec import CellError, Column
    column = Column("d", "日期", kind="date")
    assert column.parse("2026-03-01") == column.parse(46082) == dt.date(2026, 3, 1)
    assert column.parse(dt.datetime(2026, 3, 1, 8)) == dt.date(2026, 3, 1)
    with pytest.raises(CellError):
        column.parse("下周一")


def test_template_has_dropdowns_and_notes(client, auth):
    """The template marks required columns and backs choices with a hidden list."""
    auth.login("staff")
    template = openpyxl.load_workbook(
        io.BytesIO(client.get("/admin/worker/import/template/").data))
    sheet = template.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert "姓名*" in headers and "身份证号*" in headers
    assert template["_choices"].sheet_state == "hidden"
    assert any("_choices" in dv.formula1 for dv in sheet.data_validations.dataValidation)
    assert "说明" in template.sheetnames


@pytest.mark.parametrize("role", ["manager", "clerk"])
def test_roles_without_create_cannot_import(client, auth, role):
    """Import needs the create right."""
    auth.login(role)
    assert client.get("/admin/worker/import/").status_code == 403


def test_cli_export_then_import_round_trip(app, runner, tmp_path):
    """`portal export` writes the list; `portal import --dry-run` finds nothing to change."""
    with app.app_context():
        make_worker(name="命令行甲")
        make_worker(name="命令行乙", category="deep")
    target = tmp_path / "workers.xlsx"
    result = runner.invoke(args=["export", "worker", str(target), "--search", "命令行"])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(target).worksheets[0]
    assert sheet.max_row == 3
    result = runner.invoke(args=["import", "worker", str(target), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "不变：2" in result.output
    with app.app_context():
        assert db.session.scalar(select(AuditLog.changes).where(
            AuditLog.action == "export"))["rows"] == [None, 2]


def test_preview_warns_of_files_left_without_their_members(app, client, auth, runner,
                                                            tmp_path):
    """A household sheet that leaves out a stored file's members would remove them: the
    preview (and the command line) says how many files and members before anything is
    written; a file whose members are listed (changed or not), or a file without
    members, is no warning."""
    with app.app_context():
        kept = make_worker(name="成员照列", members=[{"id_number": id_number()}])
        left = make_worker(name="成员未列", members=[{"name": "王一"}, {"name": "王二"}])
        alone = make_worker(name="本无成员")
        numbers = {w.name: w.id_number for w in (kept, left, alone)}
        # Listed with a new name: a list replaced, but by the sheet's own rows.
        listed = {"worker_id_number": kept.id_number, "name": "改了名",
                  "relation": "配偶", "id_number": kept.members[0].id_number}
        db.session.commit()
    data = book(app, [worker_row(n, name=name) for name, n in numbers.items()],
                members=[listed])
    auth.login("staff")
    page = upload(client, auth, data).get_data(as_text=True)
    warnings = re.findall(r'class="alert alert-warning import-warning">([^<]+)<', page)
    assert warnings == ["第一张表中有 1 个档案在“家庭成员”表中没有任何行：这些档案现有的 2 名"
                        "家庭成员将被删除。如只想更新档案本身，请删除“家庭成员”表后重新导入。"]
    assert 'id="import-confirm"' in page  # a warning, not an error: the user decides
    with app.app_context():
        assert count(FamilyMember) == 3  # nothing written by the preview
    path = tmp_path / "workers.xlsx"
    path.write_bytes(data)
    result = runner.invoke(args=["import", "worker", str(path), "--dry-run"])
    assert result.exit_code == 0 and "2 名家庭成员将被删除" in result.output, result.output
    # Without the household sheet the members stay: nothing to warn of.
    page = upload(client, auth, book(app, [worker_row(n, name=name)
                                           for name, n in numbers.items()])).get_data(
        as_text=True)
    assert "import-warning" not in page
