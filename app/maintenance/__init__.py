"""Operations on a whole installation: backup and restore (flask backup / flask restore)."""
