"""The portal for a WSGI server started by hand: ``gunicorn 'portal.wsgi:app'``.

The same as ``portal serve --prod``: it refuses to start without SECRET_KEY in the
environment, gunicorn sends no ``Server`` header, and the objects made at start are left
out of later garbage collections (``freeze_startup_objects``).
"""
from __future__ import annotations

from portal import create_app
from portal.serving import drop_server_banner, freeze_startup_objects, secret_key_problem

drop_server_banner()
app = create_app()
with app.app_context():
    problem = secret_key_problem()
if problem:
    raise SystemExit(problem)
freeze_startup_objects()
