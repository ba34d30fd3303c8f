"""Pure rules for inbox accounts: e-mail addresses, passwords, roles, sign-in throttling."""
