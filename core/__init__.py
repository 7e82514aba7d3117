"""Generic plumbing that every app may use: API errors and ETags, lost-update
protection, pagination, filters by code, task queueing. It has no models and imports
no app of this project (see the import contracts in pyproject.toml)."""
