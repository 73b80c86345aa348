"""field results in the unit result

Each field's points, applicable maximum and component index move from the field_result
table (one row per unit and field) into unit_result.field_figures (JSON, in the unit's row). A
national computation then writes 3,321 rows instead of 36,531, and PostgreSQL has no
foreign key to check on 66,420 of them (app/models/results.py). Existing figures are moved,
both ways.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 18:40:00

"""
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

CENT = Decimal('0.01')
unit_result = sa.table(
    'unit_result', sa.column('id', sa.Integer), sa.column('field_figures', sa.JSON)
)
field_result = sa.table(
    'field_result',
    sa.column('unit_result_id', sa.Integer),
    sa.column('criterion_id', sa.Integer),
    sa.column('points', sa.Numeric(8, 2)),
    sa.column('applicable_max', sa.Numeric(8, 2)),
    sa.column('index', sa.Numeric(8, 2)),
)


def _text(value):
    return None if value is None else str(Decimal(value).quantize(CENT))


def upgrade():
    with op.batch_alter_table('unit_result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('field_figures', sa.JSON(), nullable=True))
    bind = op.get_bind()
    stored = {}
    for result_id, criterion_id, points, maximum, index in bind.execute(
        sa.select(field_result.c.unit_result_id, field_result.c.criterion_id,
                  field_result.c.points, field_result.c.applicable_max, field_result.c.index)
    ):
        stored.setdefault(result_id, {})[str(criterion_id)] = [
            _text(points), _text(maximum), _text(index)
        ]
    for result_id, fields in stored.items():
        bind.execute(
            unit_result.update().where(unit_result.c.id == result_id).values(field_figures=fields)
        )
    unset = unit_result.c.field_figures.is_(None)
    bind.execute(unit_result.update().where(unset).values(field_figures={}))
    with op.batch_alter_table('unit_result', schema=None) as batch_op:
        batch_op.alter_column('field_figures', existing_type=sa.JSON(), nullable=False)
    op.drop_table('field_result')


def downgrade():
    # Read first, drop the column, then fill the new table: on SQLite, dropping a column
    # rebuilds unit_result, and with foreign keys on the rebuild's DROP TABLE would cascade
    # into field_result rows written before it.
    stored = op.get_bind().execute(sa.select(unit_result.c.id, unit_result.c.field_figures))
    rows = [
        {'unit_result_id': result_id, 'criterion_id': int(key), 'points': Decimal(points),
         'applicable_max': Decimal(maximum), 'index': None if index is None else Decimal(index)}
        for result_id, fields in stored.all()
        for key, (points, maximum, index) in (fields or {}).items()
    ]
    with op.batch_alter_table('unit_result', schema=None) as batch_op:
        batch_op.drop_column('field_figures')
    op.create_table('field_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_result_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('applicable_max', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('index', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.ForeignKeyConstraint(['criterion_id'], ['criterion.id'], ),
    sa.ForeignKeyConstraint(['unit_result_id'], ['unit_result.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_result_id', 'criterion_id', name='uq_field_result')
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE field_result SET (fillfactor = 50)')
    if rows:
        op.bulk_insert(field_result, rows)
