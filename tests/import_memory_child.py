"""Run in a fresh process: preview each import file as an upload would; print memory.

    python -m tests.import_memory_child DB FILE[:confirm]...

Prints one JSON line per file and step: the idle resident set of the built app, the
peak while that file was imported (VmHWM, reset before each step through
/proc/self/clear_refs), the seconds taken and the outcome. A file marked ``:confirm``
is then imported for real (written and committed), as the confirm page does.
"""
from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path


def status(key: str) -> float:
    """Return a /proc/self/status figure in MB."""
    with open("/proc/self/status") as lines:
        for line in lines:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(key)


def reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")


def main(db: str, files: list[str]) -> None:
    from models import User
    from models import db as database
    from portal import create_app
    from portal.excel.importer import run_import
    from portal.excel.reader import FileRefused
    from portal.excel.specs import worker_spec
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db}", "SECRET_KEY": "memory",
                      "WTF_CSRF_ENABLED": False})
    with app.test_request_context():
        database.create_all()
        user = User(username="staff", role="staff", full_name="staff")
        user.password_hash = "x"
        if hasattr(User, "unit_id"):  # every user belongs to an org unit
            from models.orgunit import ensure_root_unit
            user.unit_id = ensure_root_unit()
        database.session.add(user)
        database.session.commit()
        spec = worker_spec()
        gc.collect()
        idle = status("VmRSS")
        for name in files:
            name, _sep, confirm = name.partition(":")
            for step in ("preview", "confirm") if confirm else ("preview",):
                data = Path(name).read_bytes()
                gc.collect()
                reset_peak()
                start = time.perf_counter()
                try:
                    report = run_import(spec, data, user, dry_run=step == "preview")
                    outcome = f"rows {report.rows}, to create {report.created}, " \
                              f"errors {len(report.errors)} {report.errors[:2]}, " \
                              f"written {report.written}"
                    refused = ""
                except FileRefused as exc:
                    outcome, refused = "refused", str(exc)
                seconds = time.perf_counter() - start
                print(json.dumps({"file": Path(name).name, "step": step, "idle": idle,
                                  "peak": status("VmHWM"), "seconds": seconds,
                                  "outcome": outcome, "refused": refused},
                                 ensure_ascii=False), flush=True)
                del data
                report = None  # noqa: F841 — drop the last report before the next step


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
