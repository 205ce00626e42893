"""Benchmark a campaign: preview, generate and the batch steps for N households (issue 18:
generate 20,000 in ≤ 10 s, pay 20,000 in ≤ 30 s).

    python bench/campaign.py                 # 20,000 households on a scratch SQLite file
    python bench/campaign.py --households 200

Seeds N active worker files (a tenth more left out: pending files, a category without a
standard), a fund and a 送温暖 campaign with a goods package, in bulk; then times the
preview and the generate (audited, committed), each with the peak RSS growth over its
start, checks the preview's households and cash equal what generate made, and that a
second generate makes none; then verifies, approves and pays the whole batch (audited,
committed: one fund entry per payment, the goods packages handed out), checks the fund's
balance equals its ledger. Prints the figures and "met" / "NOT MET".
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from excel import PeakRss, make_app  # noqa: E402  (bench/excel.py's helpers)
from fake_ids import unique_ids  # noqa: E402

LIMIT_S = 10.0
PAY_LIMIT_S = 30.0


def seed(households: int):
    """Insert the files, a fund and the campaign in bulk; return the campaign's id."""
    from sqlalchemy import insert

    from models import Fund, Item, User, Worker, db
    from models.campaign import Campaign, CampaignGoods, CampaignStandard
    from models.inventory_rules import stock_in
    from models.ledger import post_entry
    from portal.database import ensure_settings

    rnd = random.Random(18)
    db.create_all()
    ensure_settings()
    staff = User(username="staff", role="staff", full_name="staff")
    staff.set_password("bench-pass-1")
    manager = User(username="manager", role="manager", full_name="manager")
    manager.set_password("bench-pass-1")
    db.session.add_all([staff, manager])
    db.session.commit()
    batch, total = [], households + households // 10
    people = unique_ids(rnd, dt.date(1960, 1, 1), 16000)
    for i in range(total):
        born, number = next(people)
        left_out = i >= households
        batch.append(dict(
            name=rnd.choice("张王李赵刘陈杨黄") + rnd.choice(("建国", "秀英", "海燕", "志强")),
            id_number=number, gender="M" if int(number[16]) % 2 else "F", birth_date=born,
            phone=f"139{i:08d}", base_union=f"第{i % 20}基层工会", employer=f"第{i % 20}机械厂",
            category=("migrant" if i % 2 else "deep") if left_out else
            rnd.choice(("deep", "relative")), main_cause="illness", household_size=3,
            household_income=Decimal("24000"), essential_spending=Decimal("6000"),
            per_capita_income=Decimal("500.00"), status="pending" if left_out and i % 2 == 0
            else "active", filed_on=dt.date(2025, 5, 1), secondary_causes=[],
            unit_id=staff.unit_id))
        if len(batch) == 10000:
            db.session.execute(insert(Worker), batch)
            batch = []
    if batch:
        db.session.execute(insert(Worker), batch)
    fund = Fund(name="送温暖专项资金", source="union")
    rice = Item(name="大米 5kg", unit="袋", points_price=Decimal("25"))
    oil = Item(name="花生油 5L", unit="桶", points_price=Decimal("80"))
    db.session.add_all([fund, rice, oil])
    db.session.flush()
    post_entry(fund.id, "allocation_in", Decimal(households) * 1000, staff, reason="拨款")
    for item in (rice, oil):  # every household's package in stock
        stock_in(item, households, "purchase_in", staff, document="CG-1", note="采购")
    campaign = Campaign(name="2027年元旦春节送温暖", kind="festival", year=2027,
                        starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2027, 2, 28),
                        fund=fund, budget=Decimal(households) * 1000,
                        standards=[CampaignStandard(category="deep", cash_amount=1000),
                                   CampaignStandard(category="relative", cash_amount=600)],
                        goods=[CampaignGoods(item=rice, quantity=1),
                               CampaignGoods(item=oil, quantity=1)])
    db.session.add(campaign)
    db.session.commit()
    return campaign.id


def measure(households: int) -> bool:
    """Seed, time preview and generate; print the figures; return whether the bar is met."""
    from sqlalchemy import func, select

    from models import Assistance, AuditLog, User, db
    from models.campaign import Campaign
    from models.campaign_figures import preview
    from models.campaign_rules import generate
    from portal.audit import log_created_since

    folder = Path(tempfile.mkdtemp(prefix="bench-campaign-"))
    try:
        app = make_app(str(folder / "bench.db"))
        with app.app_context():
            campaign_id = seed(households)
            db.session.remove()
            campaign = db.session.get(Campaign, campaign_id)
            staff = db.session.scalar(select(User).where(User.username == "staff"))
            rss, start = PeakRss(), time.perf_counter()
            figures = preview(campaign)
            preview_s, preview_mb = time.perf_counter() - start, rss.growth()
            db.session.rollback()
            rss, start = PeakRss(), time.perf_counter()
            made = generate(campaign, staff, audit=log_created_since)
            db.session.commit()
            generate_s, generate_mb = time.perf_counter() - start, rss.growth()
            cash = db.session.scalar(select(func.sum(Assistance.cash_amount)).where(
                Assistance.campaign_id == campaign_id)) or 0
            audited = db.session.scalar(select(func.count()).select_from(AuditLog).where(
                AuditLog.record_type == "assistance", AuditLog.action == "create"))
            again = generate(campaign, staff, audit=log_created_since)
            db.session.commit()
        print(f"households eligible {figures.households}, left out {figures.excluded}")
        print(f"preview:  {preview_s:.2f} s, peak RSS +{preview_mb:.1f} MB")
        print(f"generate: {generate_s:.2f} s for {made} applications "
              f"({made / max(generate_s, 1e-9):,.0f}/s), peak RSS +{generate_mb:.1f} MB, "
              f"{audited} audit rows")
        print(f"preview cash {figures.cash_total} = generated cash {Decimal(str(cash)):.2f}; "
              f"second generate made {again}")
        same = (made == figures.households == households and audited == made
                and Decimal(str(cash)).quantize(Decimal("0.01")) == figures.cash_total
                and again == 0)
        print("preview = generate:", "yes" if same else "NO")
        met = same and generate_s <= LIMIT_S
        print(f"generate {households:,} households in ≤ {LIMIT_S:.0f} s:",
              "met" if met else "NOT MET")
        paid_ok, pay_s = batch_steps(app, campaign_id, households)
        paid_met = paid_ok and pay_s <= PAY_LIMIT_S
        print(f"pay {households:,} grants in ≤ {PAY_LIMIT_S:.0f} s:",
              "met" if paid_met else "NOT MET")
        print("all bars:", "met" if met and paid_met else "NOT MET")
        return met and paid_met
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def batch_steps(app, campaign_id: int, households: int) -> tuple[bool, float]:
    """Verify, approve and pay the campaign's grants as batches; print each step's time."""
    from sqlalchemy import func, select

    import portal.audit as audit
    from models import Assistance, FundEntry, User, db
    from models.campaign import Campaign
    from models.campaign_batch import approve_all, pay_all, verify_all
    from models.handout import Handout
    from models.ledger import ledger_differences

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        staff, manager = (db.session.scalar(select(User).where(User.username == name))
                          for name in ("staff", "manager"))
        times = {}
        for name, step, who in (("verify", verify_all, staff), ("approve", approve_all, manager),
                                ("pay", pay_all, manager)):
            rss, start = PeakRss(), time.perf_counter()
            step(campaign, who, audit=audit)
            db.session.commit()
            times[name] = (time.perf_counter() - start, rss.growth())
            print(f"{name} all: {times[name][0]:.2f} s, peak RSS +{times[name][1]:.1f} MB")
        paid = db.session.scalar(select(func.count()).where(
            Assistance.campaign_id == campaign_id, Assistance.state == "paid"))
        entries = db.session.scalar(select(func.count()).where(
            FundEntry.kind == "assistance_out"))
        handouts = db.session.scalar(select(func.count()).select_from(Handout))
        balanced = ledger_differences() == []
    print(f"paid {paid} grants, {entries} fund entries, {handouts} hand-outs; "
          f"fund balance = ledger: {'yes' if balanced else 'NO'}")
    return (paid == entries == handouts == households and balanced), times["pay"][0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000)
    args = parser.parse_args()
    sys.exit(0 if measure(args.households) else 1)


if __name__ == "__main__":
    main()
