"""The SMS pages: the commune's SMS figures and budget for its staff, the citizen's SMS choices on the
notification preferences page, and the public help page "Communes+ par SMS"."""
