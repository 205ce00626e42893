"""A small org tree for the unit tests: 市总 → 县 centre → station A, station B, with users."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

from flask_login import login_user
from sqlalchemy import inspect, update

from models import User, db
from models.orgunit import OrgUnit, root_unit_id
from models.unit_scope import UnitOwned
from tests.conftest import HASHES

# Users of the tree: login name -> (role, unit key).
LOGINS = {"a_admin": ("admin", "a"), "a_staff": ("staff", "a"), "a_clerk": ("clerk", "a"),
          "a_manager": ("manager", "a"), "c_admin": ("admin", "county"),
          "c_manager": ("manager", "county"), "c_staff": ("staff", "county"),
          "c_clerk": ("clerk", "county")}


@dataclass
class Tree:
    root: int
    county: int
    a: int
    b: int


def make_tree() -> Tree:
    """Make the tree and its users (base users stay at the top unit)."""
    root = db.session.get(OrgUnit, root_unit_id())
    root.kind, root.name = "city", "市总工会"
    county = OrgUnit(name="城关区帮扶中心", kind="county", parent=root)
    a = OrgUnit(name="东街帮扶站", kind="station", parent=county)
    b = OrgUnit(name="西乡帮扶站", kind="station", parent=county)
    db.session.add_all([county, a, b])
    db.session.flush()
    tree = Tree(root.id, county.id, a.id, b.id)
    for name, (role, key) in LOGINS.items():
        user = User(username=name, full_name=f"测试{name}", role=role,
                    unit_id=getattr(tree, key))
        user.password_hash = HASHES[role]
        db.session.add(user)
    db.session.commit()
    return tree


def owned_models() -> list[type]:
    """Return every model that carries its unit (``UnitOwned``), users aside."""
    return [m.class_ for m in db.Model.registry.mappers
            if issubclass(m.class_, UnitOwned) and m.class_ is not User]


def move_everything_to(unit_id: int) -> None:
    """Put every record made so far (sample users too, the tree's own not) at ``unit_id``."""
    for model in owned_models():
        db.session.execute(update(inspect(model).local_table).values(unit_id=unit_id))
    db.session.execute(update(User).where(User.username.not_in(LOGINS)).values(
        unit_id=unit_id))
    db.session.commit()


def unit_user(name: str) -> User:
    return db.session.query(User).filter_by(username=name).one()


@contextlib.contextmanager
def signed_in(app, name: str, path: str = "/admin/"):
    """Run the block in a request of ``name`` signed in (for calling views and lookups)."""
    with app.test_request_context(path):
        login_user(unit_user(name))
        yield


def admin_views(app) -> dict:
    return {v.endpoint: v for v in app.extensions["admin"][0]._views}
