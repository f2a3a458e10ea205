"""The evidence pack: figures from the marts, drawn as inline SVG in self-contained HTML pages."""
