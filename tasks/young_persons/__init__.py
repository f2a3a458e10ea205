"""Trading Standards Young Persons Survey feed."""
