"""Sources: other systems' webhooks, verified and mapped to events and identities."""
