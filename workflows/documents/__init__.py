"""Documents a case produces: layouts, PDF rendering, signatures."""
