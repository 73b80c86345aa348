"""Security: users bound to a unit (manager.py), roles (roles.py) and their sync (sync.py)."""
