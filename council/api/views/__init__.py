"""Views of the council API: members, committees and rules; a session's roll call and motions; the
open data of a commune's year."""
