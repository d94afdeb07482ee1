"""The schools domain: the bureau's registry of schools (学校名录)."""
