"""Standards: loading them, judging units against them, coverage and the shortlist."""
