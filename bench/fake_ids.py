"""Valid, distinct ID numbers for benches' scratch files (Jinan's 370102 area code)."""
from __future__ import annotations

import datetime as dt


def unique_ids(rnd, first_born: dt.date, days: int):
    """Yield ``(birth date, ID number)`` pairs, each number new, born within ``days`` of
    ``first_born``; ``rnd`` draws them, so a seed gives the same people every run."""
    from models.idnumber import make_id_number

    used: set[str] = set()
    while True:
        born = first_born + dt.timedelta(days=rnd.randrange(days))
        number = make_id_number("370102", born, rnd.randrange(1000))
        if number not in used:
            used.add(number)
            yield born, number
