"""The engine's side of the operator link (and the client the consoles and benches use):
a local socket that only the machine's owner reaches, carrying `ceremony.operator_link`."""
