"""Users, teams, roles and permissions, passwords, TOTP, API keys and console sessions."""
