"""Server-rendered pages of Communes+ and their static JS/CSS."""
