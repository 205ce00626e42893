"""The layers run one way, and importing a module registers nothing (issue 11)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The app wiring may import views; nothing else below views may.
WIRING = {"portal/__init__.py", "portal/admin.py", "portal/registry.py"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_no_service_or_model_imports_a_view():
    """models/, seed/ and portal's services (audit, Excel, reports, backup) import no view."""
    offenders = []
    for folder in ("models", "seed", "portal"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in WIRING or "/migrations/" in relative:
                continue
            views = [m for m in imported_modules(path) if m == "views" or m.startswith("views.")]
            if views:
                offenders.append(f"{relative}: {', '.join(sorted(views))}")
    assert offenders == []


def test_models_import_no_portal_module():
    """The domain layer stands alone: models/ imports nothing from portal/."""
    offenders = [f"{p.relative_to(ROOT)}: {m}" for p in sorted((ROOT / "models").glob("*.py"))
                 for m in imported_modules(p) if m == "portal" or m.startswith("portal.")]
    assert offenders == []


def test_importing_registers_no_listener():
    """Session and engine hooks are attached by init_app; importing attaches none."""
    script = (
        "import models, models.listeners, portal.audit, portal.database\n"
        "from sqlalchemy import event\n"
        "from sqlalchemy.orm import Session\n"
        "hooks = [h for _name, h in models.listeners.HOOKS] + [portal.audit.audit_flush]\n"
        "names = ['before_flush', 'after_flush']\n"
        "print(any(event.contains(Session, n, h) for n in names for h in hooks))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "False"
