"""Small shared helpers: money, ids, time, errors, pagination."""
