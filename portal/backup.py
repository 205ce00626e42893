"""Back up and restore the whole database, safely while the portal serves.

Copying the live SQLite file loses whatever still sits in its ``-wal`` file, so SQLite is
copied through its online backup API: one step from a connection of its own reads a
consistent snapshot while other connections keep writing. PostgreSQL is dumped by
``pg_dump`` (custom format, the portal's schema only) and restored by ``pg_restore`` in one
transaction, so a restore that fails leaves the database as it was.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import exists, inspect, select, table, text

from models import db
from portal.audit import log_event

# A file without these tables did not come from the portal.
CORE_TABLES = frozenset({"user", "worker", "fund", "fund_entry"})
SQLITE_HEADER = b"SQLite format 3\x00"
# pg_restore --list: "216; 1259 431436 TABLE schema name owner"; "-" stands for no schema.
TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) \S+$", re.M)
TOC_NO_SCHEMA = re.compile(r"^\d+; \d+ \d+ [A-Z ]+? - ")


class BackupError(Exception):
    """Refuse or fail a backup or restore; the message tells the user why."""


def backup(target, force: bool = False) -> int:
    """Write a consistent copy of the whole database to ``target``; return its size."""
    target = Path(target)
    if target.is_dir() or not target.parent.is_dir():
        raise BackupError(_("%(file)s is not a file in an existing folder.", file=target))
    _refuse_live_file(target)
    if target.exists() and not force:
        raise BackupError(_("%(file)s already exists; add --force to overwrite it.",
                            file=target))
    # Written beside the target and renamed at the end: a failed backup never leaves
    # half a file under the name of a good one.
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)  # left by a backup that was killed
    try:
        # 0600 from the start, as the database itself: it holds ID and bank-card numbers.
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        if _is_sqlite():
            _sqlite_backup(_sqlite_path(), partial)
        else:
            _pg_run("pg_dump", "--format=custom", f"--schema={_pattern(_pg_schema())}",
                    f"--file={partial}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    size = target.stat().st_size
    log_event("backup", record_type="database", note=str(target.resolve())[:500],
              changes={"bytes": [None, size]})
    db.session.commit()
    return size


def restore(source, force: bool = False) -> None:
    """Replace the database with the backup in ``source`` (refused over data unless forced)."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(_("There is no backup file %(file)s.", file=source))
    _refuse_live_file(source)
    toc = _check_sqlite_backup(source) if _is_sqlite() else _check_pg_backup(source)
    if not force and has_rows():
        raise BackupError(_("The database already holds data; restoring would replace all of "
                            "it. Add --force to do so."))
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold the old database open
    if _is_sqlite():
        _sqlite_restore(source, _sqlite_path())
    else:
        _pg_restore(source, toc)
    db.engine.dispose()
    # Written after the restore, or the restored data would not keep it.
    log_event("restore", record_type="database", note=str(source.resolve())[:500],
              changes={"forced": [None, force]})
    db.session.commit()


def has_rows() -> bool:
    """Tell whether any table of the database holds a row (the schema version aside)."""
    with db.engine.connect() as conn:
        names = [name for name in inspect(conn).get_table_names() if name != "alembic_version"]
        return any(conn.scalar(select(exists().select_from(table(name)))) for name in names)


def _is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def _sqlite_path() -> Path:
    """Return the live SQLite file, refusing a database that lives only in memory."""
    name = db.engine.url.database
    if not name or name == ":memory:" or name.startswith("file::memory:"):
        raise BackupError(_("The database lives only in memory; there is nothing to copy."))
    return Path(name)


def _refuse_live_file(path: Path) -> None:
    """Refuse a backup file that is the live SQLite database (or one of its WAL files)."""
    if not _is_sqlite():
        return
    live = _sqlite_path().resolve()
    if path.resolve() in (live, live.with_name(live.name + "-wal"),
                          live.with_name(live.name + "-shm")):
        raise BackupError(_("%(file)s is the live database itself; choose another file.",
                            file=path))


def _sqlite_backup(live: Path, target: Path) -> None:
    """Copy ``live`` into ``target`` in one backup step and check the copy."""
    if not live.is_file():
        raise BackupError(_("The database file %(file)s does not exist.", file=live))
    try:
        with closing(sqlite3.connect(live, timeout=30)) as src, \
                closing(sqlite3.connect(target)) as copy:
            # pages=-1: one step, so the copy is one snapshot even while others write.
            src.backup(copy, pages=-1)
            # The copy keeps the live file's WAL flag; a backup must be one plain file.
            copy.execute("PRAGMA journal_mode=DELETE")
            result = copy.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as exc:
        raise BackupError(_("The backup failed: %(error)s", error=exc)) from exc
    if result != "ok":
        raise BackupError(_("The backup failed: %(error)s", error=result))


def _check_sqlite_backup(source: Path) -> None:
    """Refuse a file that is not a sound SQLite backup of the portal."""
    with source.open("rb") as file:
        header = file.read(len(SQLITE_HEADER))
    names = set()
    if header == SQLITE_HEADER:
        try:
            with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro",
                                         uri=True)) as conn:
                if conn.execute("PRAGMA quick_check").fetchone()[0] == "ok":
                    names = {row[0] for row in conn.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.Error:
            names = set()
    if not CORE_TABLES.issubset(names):
        raise BackupError(_("%(file)s is not a backup of this portal's SQLite database.",
                            file=source))


def _sqlite_restore(source: Path, live: Path) -> None:
    """Copy the backup ``source`` over the live file, page by page, in one step."""
    try:
        with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as src, \
                closing(sqlite3.connect(live, timeout=30)) as dst:
            src.backup(dst, pages=-1)
    except sqlite3.Error as exc:
        raise BackupError(_("The restore failed; the database is as it was: %(error)s",
                            error=exc)) from exc


def _pg_schema() -> str:
    """Return the schema the portal's tables live in (the first one of its search_path)."""
    with db.engine.connect() as conn:
        schema = conn.scalar(text("SELECT current_schema()"))
        if schema is None:
            raise BackupError(_("No schema of the search_path %(path)s exists in the "
                                "database.", path=conn.scalar(text("SHOW search_path"))))
    return schema


def _pattern(name: str) -> str:
    """Quote ``name`` for pg_dump's --schema, so it matches that one schema literally."""
    return '"' + name.replace('"', '""') + '"'


def _pg_run(tool: str, *args: str) -> str:
    """Run a PostgreSQL client tool against the portal's database; return its output."""
    if shutil.which(tool) is None:
        raise BackupError(_("%(tool)s was not found: install the PostgreSQL client tools "
                            "(Debian: apt-get install postgresql-client).", tool=tool))
    url = db.engine.url
    params = {"host": url.host, "port": url.port, "user": url.username,
              "dbname": url.database, **url.query}
    conninfo = " ".join(f"{key}='{_conninfo_value(value)}'" for key, value in params.items()
                        if value not in (None, ""))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password  # never on the command line, where ps shows it
    done = subprocess.run([tool, f"--dbname={conninfo}", *args], env=env, text=True,
                          capture_output=True)
    if done.returncode:
        error = " ".join(done.stderr.strip().splitlines()[-3:])
        raise BackupError(_("%(tool)s failed: %(error)s", tool=tool, error=error))
    return done.stdout


def _conninfo_value(value) -> str:
    value = value[-1] if isinstance(value, tuple) else value
    return str(value).replace("\\", "\\\\").replace("'", "\\'")


def _check_pg_backup(source: Path) -> str:
    """Return the archive's table of contents, refusing a file that is not a portal backup."""
    if shutil.which("pg_restore") is None:
        raise BackupError(_("%(tool)s was not found: install the PostgreSQL client tools "
                            "(Debian: apt-get install postgresql-client).", tool="pg_restore"))
    done = subprocess.run(["pg_restore", "--list", str(source)], text=True,
                          capture_output=True)
    tables = {name: schema for schema, name in TOC_TABLE.findall(done.stdout)}
    if done.returncode or not CORE_TABLES.issubset(tables):
        raise BackupError(_("%(file)s is not a pg_dump backup of this portal.", file=source))
    schemas, ours = set(tables.values()), _pg_schema()
    if schemas != {ours}:
        raise BackupError(_("The backup holds schema %(theirs)s; this database uses "
                            "%(ours)s.", theirs=", ".join(sorted(schemas)), ours=ours))
    return done.stdout


def _pg_restore(source: Path, toc: str) -> None:
    """Restore every object of the backup's schema in one transaction, replacing old ones."""
    # The schema itself stays: the portal's role may not own it (public), and dropping
    # and re-creating it is not the backup's business; its contents are replaced.
    entries = "\n".join(line for line in toc.splitlines() if not TOC_NO_SCHEMA.match(line))
    with tempfile.NamedTemporaryFile("w", suffix=".list") as listing:
        listing.write(entries + "\n")
        listing.flush()
        try:
            _pg_run("pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                    "--single-transaction", "--exit-on-error", f"--use-list={listing.name}",
                    str(source))
        except BackupError as exc:
            raise BackupError(_("The restore failed; the database is as it was: %(error)s",
                                error=exc)) from exc
