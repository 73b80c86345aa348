"""Files the app produces and reads: spreadsheets and printable reports."""
