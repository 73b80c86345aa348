"""tables tuned for in-place updates: autosave and recomputation

On PostgreSQL, an UPDATE whose new row version fits on the same page writes no index entry
(a HOT update). An autosave rewrites one score_line row: its pages are filled to 90%. The
round's results are recomputed in place, every field_result row at once (UPDATE ... FROM,
app/domain/results_sql.py): half-empty pages halve the time of a national recomputation.
The single-column indexes on field_result.unit_result_id and score_line.assessment_id are
the leading columns of uq_field_result and uq_score_line_criterion: one index less to keep
up on every insert.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 21:45:00

"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

FILL = {'field_result': 50, 'unit_result': 50, 'score_line': 90}


def upgrade():
    with op.batch_alter_table('field_result', schema=None) as batch_op:
        batch_op.drop_index('ix_field_result_unit_result_id')
    with op.batch_alter_table('score_line', schema=None) as batch_op:
        batch_op.drop_index('ix_score_line_assessment_id')
    if op.get_bind().dialect.name == 'postgresql':
        for table, percent in FILL.items():
            op.execute(f'ALTER TABLE {table} SET (fillfactor = {percent})')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in FILL:
            op.execute(f'ALTER TABLE {table} RESET (fillfactor)')
    with op.batch_alter_table('score_line', schema=None) as batch_op:
        batch_op.create_index('ix_score_line_assessment_id', ['assessment_id'], unique=False)
    with op.batch_alter_table('field_result', schema=None) as batch_op:
        batch_op.create_index('ix_field_result_unit_result_id', ['unit_result_id'], unique=False)
