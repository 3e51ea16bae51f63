"""The Textual UI. The only package that imports Textual; it calls the core and never the other way round."""
