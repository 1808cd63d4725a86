"""The partner directory and the tender platform (SPEC: Directory and tenders)."""
