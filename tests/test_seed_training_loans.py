"""Demo classes and loans: every state, made through the rules, and the books agree."""
from __future__ import annotations

from sqlalchemy import func, select

from models import Enrolment, Loan, Repayment, TrainingClass, db
from models.ledger import ledger_differences
from models.loan_queries import loan_differences
from models.training_rules import place_differences


def test_demo_classes_and_loans(app, demo):
    with app.app_context():
        assert set(db.session.scalars(select(TrainingClass.state))) == {
            "planned", "running", "finished"}
        assert set(db.session.scalars(select(Enrolment.state))) == {
            "enrolled", "completed", "dropped"}
        outcomes = set(db.session.scalars(select(Enrolment.outcome)))
        assert {"reemployed", "business", "not_employed", None} <= outcomes
        for klass in db.session.scalars(select(TrainingClass)):
            live = sum(e.state != "dropped" for e in klass.enrolments)
            assert klass.enrolled_count == live <= klass.capacity
        assert set(db.session.scalars(select(Loan.state))) == {
            "applied", "approved", "rejected", "disbursed", "repaid", "written_off"}
        assert db.session.scalar(select(func.count()).where(Repayment.amount < 0)) >= 1
        buckets = {loan.arrears_bucket for loan in db.session.scalars(select(Loan))}
        assert len(buckets - {None}) >= 2
        assert loan_differences() == [] and ledger_differences() == []
        assert place_differences() == []
