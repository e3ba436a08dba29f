"""Case import from CSV and XLSX: medical examiners and vital records send case
lists as spreadsheets.

targets.py: the case-file fields a column may fill and how each value is read.
reading.py: a file's bytes to a header and rows (CSV or XLSX), with limits.
planning.py: the dry run: each row parsed, matched to the team's cases and
classed as new, update, unchanged or error, before anything is written.
The confirm step (cases.models.imports.PendingImport.confirm) writes the rows
the dry run accepted, one transaction per row."""
