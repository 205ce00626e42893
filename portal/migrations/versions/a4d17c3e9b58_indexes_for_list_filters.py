"""Indexes for the lists' filters: every filter over a big list is served by an index

Revision ID: a4d17c3e9b58
Revises: c3f9a2d6e871
Create Date: 2026-11-30 11:30:00.000000

tests/test_filter_indexes.py walks every list's filters and finds each one's column
leading an index; these are the ones that had none. Yes/no and few-valued columns stay
without (the test's allow-list says why).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a4d17c3e9b58'
down_revision = 'c3f9a2d6e871'
branch_labels = None
depends_on = None

INDEXES = [
    ("assistance", "campaign"),
    ("audit_log", "action"),
    ("donation", "designated_use"),
    ("enrolment", "enrolled_on"),
    ("enrolment", "followed_up_on"),
    ("fund_entry", "document"),
    ("loan", "guarantor_name"),
    ("love_card", "issued_on"),
    ("love_card", "valid_until"),
    ("notice", "ends_on"),
    ("notice", "starts_on"),
    ("notice", "title"),
    ("objection", "filed_at"),
    ("repayment", "at"),
    ("repayment", "document"),
    ("stocktake", "started_at"),
    ("training_class", "instructor"),
    ("worker", "birth_date"),
    ("worker", "filed_on"),
]


def upgrade():
    for table, column in INDEXES:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def downgrade():
    for table, column in reversed(INDEXES):
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
