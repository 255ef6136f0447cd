"""Sign-in (local accounts and the wiki's OAuth 2), sessions, API tokens, roles and scopes."""
