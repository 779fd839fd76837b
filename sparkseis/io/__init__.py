"""Data objects in the forms they are stored and exchanged in: plain documents (BSON-ready
dicts) and Arrow rows. No database and no Spark here."""
