"""What goes up the chain: the consolidated return of a territory, and what changed between two submissions."""
