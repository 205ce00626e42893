"""The demo's network: a county centre and its street, township and enterprise stations.

The worker files go in in bulk, each at the unit its id gives (``file_places``), before
the aid, cards and loans are made, which take their worker's unit. Goods, donations and
classes are spread after they are made: every unit keeps some.
"""
from __future__ import annotations

from sqlalchemy import case, select, update

from models import Donation, Item, TrainingClass, db
from models.orgunit import OrgUnit, ensure_root_unit

COUNTY = "长清区总工会困难职工帮扶中心"
# 街道, 乡镇 and 企业 帮扶站 of the county, the first one the demo login station1's.
STATIONS = ("文昌街道帮扶站", "马山镇帮扶站", "济南华美焊接有限公司工会帮扶站")
# Out of every ten records, how many stay at the county and go to each station.
SHARES = (4, 2, 2, 2)


def load() -> list[OrgUnit]:
    """Name the top unit as the county centre and give it its stations; return
    ``[county, station 1, station 2, station 3]`` (an existing one is kept)."""
    county = db.session.get(OrgUnit, ensure_root_unit())
    county.name, county.kind = COUNTY, "county"
    units = [county]
    for name in STATIONS:
        station = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id == county.id,
                                                          OrgUnit.name == name))
        if station is None:
            station = OrgUnit(name=name, kind="station", parent=county)
            db.session.add(station)
        units.append(station)
    db.session.flush()
    return units


def _slots(units: list[OrgUnit]) -> list[int]:
    """Return the unit id of each slot ``id % 10`` by ``SHARES``: the first four slots the
    county's, the next two station 1's …"""
    return [unit.id for unit, share in zip(units, SHARES, strict=True) for _ in range(share)]


def _spread(model, units: list[OrgUnit], after_id: int = 0) -> None:
    """Give the rows of ``model`` with an id above ``after_id`` the units of their slots."""
    slots = _slots(units)
    db.session.execute(update(model).where(model.id > after_id)
                       .values(unit_id=case(dict(enumerate(slots)),
                                            value=model.id % len(slots)))
                       .execution_options(synchronize_session=False))


def file_places(units: list[OrgUnit], station_user):
    """Return ``place(row)``: it gives a new file (a row with its id) the unit ``_spread``
    would by its id; the first station's files were filed by its own staff."""
    slots = _slots(units)
    # Read here: ``place`` runs in the seed's row-making thread, which must not load
    # anything through the session.
    station_unit, station_staff = station_user.unit_id, station_user.id

    def place(row: dict) -> None:
        unit_id = row["unit_id"] = slots[row["id"] % len(slots)]
        if unit_id == station_unit:
            row["filed_by_id"] = station_staff
    return place


def spread_places(units: list[OrgUnit], last_ids: dict) -> None:
    """Spread the goods, donations and training classes made after ``last_ids`` (highest
    id per model before) over the units."""
    db.session.flush()
    for model in (Item, Donation, TrainingClass):
        _spread(model, units, last_ids.get(model, 0))
    db.session.expire_all()
