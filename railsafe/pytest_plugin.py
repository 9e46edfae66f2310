"""pytest plugin: refuses to run a test session against a production database."""
