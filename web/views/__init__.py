"""Server-rendered pages, one blueprint per room."""
