"""Pages of the good-practices library: the library (every commune's published sheets, filters),
a theme's page (follow it), a sheet's page (ask its commune a question), and the staff pages (a
commune's sheets with its drafts, write, edit, publish, withdraw)."""
