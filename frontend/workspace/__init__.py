"""The commune workspace: what needs the staff's attention now, each item linking to the page that
acts on it."""
