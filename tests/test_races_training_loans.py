"""Races on PostgreSQL: class places, once per class, repayments and reversals of one loan."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from models import Enrolment, Loan, Repayment, TrainingClass, Worker, db
from models.ledger import ledger_differences
from models.loan_queries import loan_differences
from models.loan_rules import record_repayment, reverse_repayment, write_off
from models.training_rules import enrol
from tests.conftest import postgres_only
from tests.factories import make_worker, user
from tests.factories_loans import disbursed_loan
from tests.factories_training import make_class
from tests.races import race


def _enrolling(class_id, worker_id):
    def prepare():
        staff = user("staff")
        record = Enrolment(training_class=db.session.get(TrainingClass, class_id),
                           worker=db.session.get(Worker, worker_id))
        return lambda: (db.session.add(record), enrol(record, staff))
    return prepare


@postgres_only
def test_ten_workers_race_for_three_places(app):
    """Ten enrolments at once into a class of three: three get in, seven are refused."""
    with app.app_context():
        class_id = make_class(capacity=3).id
        workers = [make_worker(name=f"学员{i}").id for i in range(10)]
    results = race(app, [_enrolling(class_id, w) for w in workers])
    assert sorted(results) == ["DomainError"] * 7 + ["done"] * 3
    with app.app_context():
        klass = db.session.get(TrainingClass, class_id)
        rows = db.session.scalar(select(func.count()).select_from(Enrolment))
        assert klass.enrolled_count == rows == 3


@postgres_only
def test_one_worker_enrolled_five_times_at_once_is_enrolled_once(app):
    """The unique index settles what the check before it cannot see; the place is given back."""
    with app.app_context():
        class_id = make_class(capacity=30).id
        worker_id = make_worker().id
    results = race(app, [_enrolling(class_id, worker_id) for _ in range(5)])
    assert results.count("done") == 1 and len(results) == 5
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
        assert db.session.get(TrainingClass, class_id).enrolled_count == 1


def _repaying(loan_id, amount):
    def prepare():
        loan, staff = db.session.get(Loan, loan_id), user("staff")
        loan.instalments  # noqa: B018  (loaded before the race, as a form would have)
        return lambda: record_repayment(loan, staff, amount)
    return prepare


@postgres_only
def test_concurrent_repayments_never_overpay(app):
    """Eight repayments of 300 race on a loan owing 1000: three pass, nothing is overpaid."""
    with app.app_context():
        loan_id = disbursed_loan(amount="1000.00", months=4).id
    results = race(app, [_repaying(loan_id, "300.00") for _ in range(8)])
    assert results.count("done") == 3 and results.count("DomainError") == 5
    with app.app_context():
        loan = db.session.get(Loan, loan_id)
        assert loan.repaid_amount == Decimal("900.00") and loan.state == "disbursed"
        assert [i.amount_paid for i in loan.instalments] == [Decimal("250.00")] * 3 + [
            Decimal("150.00")]
        assert loan.fund.balance == Decimal("100000.00") - Decimal("1000.00") + Decimal("900")
        assert ledger_differences() == [] and loan_differences() == []


@postgres_only
def test_two_final_repayments_at_once_repay_once(app):
    """Two clerks both take the last 600: one is recorded, the loan is repaid exactly."""
    with app.app_context():
        loan_id = disbursed_loan(amount="600.00", months=2).id
    results = race(app, [_repaying(loan_id, "600.00") for _ in range(2)])
    assert sorted(results) == ["DomainError", "done"]
    with app.app_context():
        loan = db.session.get(Loan, loan_id)
        assert (loan.state, loan.repaid_amount) == ("repaid", Decimal("600.00"))
        assert loan_differences() == [] and ledger_differences() == []


@postgres_only
def test_one_repayment_reversed_twice_at_once_is_reversed_once(app):
    with app.app_context():
        loan = disbursed_loan(amount="900.00", months=3)
        repayment_id = record_repayment(loan, user("staff"), "300.00").id
        record_repayment(loan, user("staff"), "300.00")
        db.session.commit()
        loan_id = loan.id

    def reversing():
        repayment, manager = db.session.get(Repayment, repayment_id), user("manager")
        return lambda: reverse_repayment(repayment, manager, "录错")

    results = race(app, [reversing, reversing])
    assert results.count("done") == 1
    with app.app_context():
        loan = db.session.get(Loan, loan_id)
        assert loan.repaid_amount == Decimal("300.00")
        assert loan_differences() == [] and ledger_differences() == []


@postgres_only
def test_write_off_racing_a_repayment_does_not_lose_it(app):
    """One of the two wins; a repayment is never lost under a write-off."""
    with app.app_context():
        loan_id = disbursed_loan(amount="1000.00", months=2).id

    def writing_off():
        loan, manager = db.session.get(Loan, loan_id), user("manager")
        return lambda: write_off(loan, manager, "无力偿还")

    results = race(app, [writing_off, _repaying(loan_id, "500.00")])
    assert results.count("done") == 1
    with app.app_context():
        loan = db.session.get(Loan, loan_id)
        paid = db.session.scalar(select(func.coalesce(func.sum(Repayment.amount), 0)))
        assert loan.repaid_amount == paid and loan_differences() == []
        assert (loan.state == "written_off") == (paid == 0)
