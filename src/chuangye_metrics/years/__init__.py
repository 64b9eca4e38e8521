"""Several years: growth and changes of each unit across returns."""
