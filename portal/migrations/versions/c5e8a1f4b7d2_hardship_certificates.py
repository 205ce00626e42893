"""Hardship certificates (特困职工证) of worker files

Revision ID: c5e8a1f4b7d2
Revises: f2c8b6a4d913
Create Date: 2026-12-01 09:00:00.000000

Every file on record in the default qualifying category (``deep``; the setting
``certificate_categories`` is added with that default after the upgrade) gets its first
card, issued the day its open episode began (else its filing date), numbered per year in
that order from the same counter the portal goes on with (``doc_counter``, prefix TK). A
number the file already carried (a paper archive's, typed or imported) is kept in the
card's note and the file's ``certificate_no`` becomes the card's; other files keep theirs.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c5e8a1f4b7d2'
down_revision = 'f2c8b6a4d913'
branch_labels = None
depends_on = None

VALID = 'ended_on IS NULL'
ISSUE = "kind = 'issue'"

FILES = """
SELECT w.id, w.certificate_no,
       COALESCE((SELECT MAX(e.opened_on) FROM worker_episode e
                 WHERE e.worker_id = w.id AND e.closed_on IS NULL), w.filed_on) AS opened
FROM worker w
WHERE w.status = 'active' AND w.category = 'deep'
ORDER BY opened, w.id
"""


def upgrade():
    op.create_table('worker_certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('edition', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('end_cause', sa.String(length=16), nullable=True),
    sa.Column('print_count', sa.Integer(), nullable=False),
    sa.Column('last_printed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('issue', 'reissue', 'renew')", name=op.f('ck_worker_certificate_kind')),
    sa.CheckConstraint("(kind = 'issue') = (edition = 1) AND edition >= 1", name=op.f('ck_worker_certificate_edition')),
    sa.CheckConstraint("(kind = 'issue' AND reason IS NULL) OR (kind <> 'issue' AND reason IN ('lost', 'damaged', 'changed', 'other'))", name=op.f('ck_worker_certificate_reason')),
    sa.CheckConstraint("(ended_on IS NULL AND end_cause IS NULL) OR (ended_on IS NOT NULL AND ended_on >= issued_on AND end_cause IN ('replaced', 'exited', 'removed', 'category'))", name=op.f('ck_worker_certificate_ended')),
    sa.CheckConstraint('print_count >= 0', name=op.f('ck_worker_certificate_print_count')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'], name=op.f('fk_worker_certificate_issued_by_id_user')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.id'], name=op.f('fk_worker_certificate_worker_id_worker'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_certificate')),
    sa.UniqueConstraint('number', 'edition', name=op.f('uq_worker_certificate_number'))
    )
    with op.batch_alter_table('worker_certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_certificate_worker_id'), ['worker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_certificate_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_certificate_issued_on'), ['issued_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_certificate_end_cause'), ['end_cause'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_certificate_ended_on'), ['ended_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_certificate_reason'), ['reason'], unique=False)
        batch_op.create_index('uq_worker_certificate_issue', ['number'], unique=True, sqlite_where=sa.text(ISSUE), postgresql_where=sa.text(ISSUE))
        batch_op.create_index('uq_worker_certificate_valid', ['worker_id'], unique=True, sqlite_where=sa.text(VALID), postgresql_where=sa.text(VALID))
    _backfill(op.get_bind())


def _backfill(conn):
    """Give the files on record in the default category their first card (see above)."""
    files = conn.execute(sa.text(FILES)).all()
    counters = {row.year: row.last for row in conn.execute(sa.text(
        "SELECT year, last FROM doc_counter WHERE prefix = 'TK'"))}
    cards, numbers = [], []
    for worker_id, legacy, opened in files:
        year = int(str(opened)[:4])  # a date, or its ISO text on SQLite
        counters[year] = counters.get(year, 0) + 1
        number = f"TK-{year}-{counters[year]:06d}"
        note = f"原证号：{legacy}"[:200] if (legacy or "").strip() else ""
        cards.append({"w": worker_id, "n": number, "note": note, "on": opened})
        numbers.append({"w": worker_id, "n": number})
    if not cards:
        return
    conn.execute(sa.text(
        "INSERT INTO worker_certificate (worker_id, number, edition, kind, note, issued_on, "
        "print_count) VALUES (:w, :n, 1, 'issue', :note, :on, 0)"), cards)
    conn.execute(sa.text("UPDATE worker SET certificate_no = :n WHERE id = :w"), numbers)
    conn.execute(sa.text("DELETE FROM doc_counter WHERE prefix = 'TK'"))
    conn.execute(sa.text("INSERT INTO doc_counter (prefix, year, last) VALUES ('TK', :y, :l)"),
                 [{"y": year, "l": last} for year, last in counters.items()])


def downgrade():
    op.drop_table('worker_certificate')
    op.execute("DELETE FROM doc_counter WHERE prefix = 'TK'")
