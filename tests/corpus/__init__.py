"""The corpus harness: railsafe over ../shared/corpus, and the reviewed list of its errors."""
