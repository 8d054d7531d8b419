"""identity

Revision ID: 20261123_05_identity
Revises: 20261123_04_risk
Create Date: 2026-11-23 02:13:26.818534
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import paytrust.platform.db

revision: str = '20261123_05_identity'
down_revision: str | None = '20261123_04_risk'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('identity_team',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_team')),
    sa.UniqueConstraint('name', name=op.f('uq_identity_team_name'))
    )
    op.create_table('identity_user',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('failed_login_count', sa.Integer(), nullable=False),
    sa.Column('locked_until', paytrust.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('totp_secret', sa.Text(), nullable=True),
    sa.Column('pending_totp_secret', sa.Text(), nullable=True),
    sa.Column('totp_enrolled_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_totp_step', sa.Integer(), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_user')),
    sa.UniqueConstraint('username', name=op.f('uq_identity_user_username'))
    )
    op.create_table('identity_api_key',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('owner_user_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['owner_user_id'], ['identity_user.id'], name=op.f('fk_identity_api_key_owner_user_id_identity_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_api_key')),
    sa.UniqueConstraint('prefix', name=op.f('uq_identity_api_key_prefix'))
    )
    op.create_table('identity_recovery_code',
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['identity_user.id'], name=op.f('fk_identity_recovery_code_user_id_identity_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_recovery_code'))
    )
    with op.batch_alter_table('identity_recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_recovery_code_user_id'), ['user_id'], unique=False)

    op.create_table('identity_role_grant',
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['identity_user.id'], name=op.f('fk_identity_role_grant_user_id_identity_user')),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_identity_role_grant'))
    )
    op.create_table('identity_session',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.Column('mfa_passed', sa.Boolean(), nullable=False),
    sa.Column('revoked_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['identity_user.id'], name=op.f('fk_identity_session_user_id_identity_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_identity_session_token_hash'))
    )
    with op.batch_alter_table('identity_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_session_user_id'), ['user_id'], unique=False)

    op.create_table('identity_team_member',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['identity_team.id'], name=op.f('fk_identity_team_member_team_id_identity_team')),
    sa.ForeignKeyConstraint(['user_id'], ['identity_user.id'], name=op.f('fk_identity_team_member_user_id_identity_user')),
    sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_identity_team_member'))
    )


def downgrade() -> None:
    op.drop_table('identity_team_member')
    with op.batch_alter_table('identity_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_session_user_id'))

    op.drop_table('identity_session')
    op.drop_table('identity_role_grant')
    with op.batch_alter_table('identity_recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_recovery_code_user_id'))

    op.drop_table('identity_recovery_code')
    op.drop_table('identity_api_key')
    op.drop_table('identity_user')
    op.drop_table('identity_team')
