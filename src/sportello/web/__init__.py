"""The web app: page routes, HTML shells (html/), browser code and catalogs (static/)."""
