"""The council's REST API: its members and rules, a session's roll call and motions, the open data."""
