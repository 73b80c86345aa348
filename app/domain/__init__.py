"""The rules of the PAR index, in plain Python: no Flask-AppBuilder views here."""
