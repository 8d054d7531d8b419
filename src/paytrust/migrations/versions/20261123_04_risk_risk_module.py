"""risk module: transactions, decisions, alerts, outcomes, rule sets, lists, models

Revision ID: 20261123_04_risk
Revises: 20261123_03_kernel_infra
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import paytrust.platform.db

revision: str = '20261123_04_risk'
down_revision: str | None = '20261123_03_kernel_infra'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('risk_list_entry',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('expires_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('removed_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('removed_by', sa.String(length=200), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_list_entry'))
    )
    with op.batch_alter_table('risk_list_entry', schema=None) as batch_op:
        batch_op.create_index('ix_risk_list_entry_kind_value', ['kind', 'value'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_list_entry_removed_at'), ['removed_at'], unique=False)

    op.create_table('risk_model_version',
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=True),
    sa.Column('artifact', sa.LargeBinary(), nullable=True),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('trained_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('promoted_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_model_version')),
    sa.UniqueConstraint('version', name=op.f('uq_risk_model_version_version'))
    )
    with op.batch_alter_table('risk_model_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_model_version_status'), ['status'], unique=False)

    op.create_table('risk_ruleset_version',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('yaml', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_ruleset_version')),
    sa.UniqueConstraint('name', 'version', name=op.f('uq_risk_ruleset_version_name'))
    )
    with op.batch_alter_table('risk_ruleset_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_ruleset_version_is_active'), ['is_active'], unique=False)

    op.create_table('risk_transaction',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('occurred_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('auth_method', sa.String(length=20), nullable=False),
    sa.Column('payee_id', sa.String(length=64), nullable=True),
    sa.Column('payee_name', sa.String(length=200), nullable=True),
    sa.Column('payee_country', sa.String(length=2), nullable=True),
    sa.Column('merchant_id', sa.String(length=64), nullable=True),
    sa.Column('merchant_category', sa.String(length=4), nullable=True),
    sa.Column('merchant_country', sa.String(length=2), nullable=True),
    sa.Column('agent_id', sa.String(length=64), nullable=True),
    sa.Column('device_id', sa.String(length=128), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('card_bin', sa.String(length=8), nullable=True),
    sa.Column('balance_before_minor', sa.BigInteger(), nullable=True),
    sa.Column('balance_after_minor', sa.BigInteger(), nullable=True),
    sa.Column('credential_changed_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sim_swapped_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('original_transaction_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_transaction'))
    )
    with op.batch_alter_table('risk_transaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_transaction_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_transaction_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_transaction_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_transaction_payee_id'), ['payee_id'], unique=False)

    op.create_table('risk_alert',
    sa.Column('transaction_id', sa.String(length=64), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('rules_hit', sa.JSON(), nullable=False),
    sa.Column('assigned_to', sa.String(length=200), nullable=True),
    sa.Column('acknowledged_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['transaction_id'], ['risk_transaction.id'], name=op.f('fk_risk_alert_transaction_id_risk_transaction')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_alert')),
    sa.UniqueConstraint('transaction_id', name=op.f('uq_risk_alert_transaction_id'))
    )
    with op.batch_alter_table('risk_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_alert_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_alert_severity'), ['severity'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_alert_status'), ['status'], unique=False)

    op.create_table('risk_decision',
    sa.Column('transaction_id', sa.String(length=64), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('rules_hit', sa.JSON(), nullable=False),
    sa.Column('shadow_rules_hit', sa.JSON(), nullable=False),
    sa.Column('model_version', sa.String(length=64), nullable=True),
    sa.Column('challenger_score', sa.Float(), nullable=True),
    sa.Column('ruleset_version', sa.String(length=64), nullable=True),
    sa.Column('latency_ms', sa.Float(), nullable=False),
    sa.Column('scored_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['transaction_id'], ['risk_transaction.id'], name=op.f('fk_risk_decision_transaction_id_risk_transaction')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_decision')),
    sa.UniqueConstraint('transaction_id', name=op.f('uq_risk_decision_transaction_id'))
    )
    with op.batch_alter_table('risk_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_decision_decision'), ['decision'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_decision_scored_at'), ['scored_at'], unique=False)

    op.create_table('risk_outcome',
    sa.Column('transaction_id', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=20), nullable=False),
    sa.Column('reported_by', sa.String(length=200), nullable=False),
    sa.Column('reported_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['transaction_id'], ['risk_transaction.id'], name=op.f('fk_risk_outcome_transaction_id_risk_transaction')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_outcome')),
    sa.UniqueConstraint('transaction_id', 'label', name=op.f('uq_risk_outcome_transaction_id'))
    )
    with op.batch_alter_table('risk_outcome', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_outcome_transaction_id'), ['transaction_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('risk_outcome', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_outcome_transaction_id'))

    op.drop_table('risk_outcome')
    with op.batch_alter_table('risk_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_decision_scored_at'))
        batch_op.drop_index(batch_op.f('ix_risk_decision_decision'))

    op.drop_table('risk_decision')
    with op.batch_alter_table('risk_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_alert_status'))
        batch_op.drop_index(batch_op.f('ix_risk_alert_severity'))
        batch_op.drop_index(batch_op.f('ix_risk_alert_created_at'))

    op.drop_table('risk_alert')
    with op.batch_alter_table('risk_transaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_transaction_payee_id'))
        batch_op.drop_index(batch_op.f('ix_risk_transaction_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_risk_transaction_customer_id'))
        batch_op.drop_index(batch_op.f('ix_risk_transaction_account_id'))

    op.drop_table('risk_transaction')
    with op.batch_alter_table('risk_ruleset_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_ruleset_version_is_active'))

    op.drop_table('risk_ruleset_version')
    with op.batch_alter_table('risk_model_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_model_version_status'))

    op.drop_table('risk_model_version')
    with op.batch_alter_table('risk_list_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_list_entry_removed_at'))
        batch_op.drop_index('ix_risk_list_entry_kind_value')

    op.drop_table('risk_list_entry')
