"""Staff pages of the council: its members, committees and rules (``manage``), and the desk of a
council session: roll call, motions, votes and corrections (``desk``)."""
