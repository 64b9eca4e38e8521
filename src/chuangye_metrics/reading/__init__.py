"""Reading returns: the sheet layouts, xlsx internals, the reader and the cache of read returns."""
