"""General parallel execution optimizer (independent of the compression code)."""
