"""Demo province "Tỉnh Sông Lam": units, criteria frameworks and accounts, and their loader."""
