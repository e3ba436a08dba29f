"""Case pages, one module per screen group: cases (list, new, detail, history,
access log, status), sections (the case file's sections and toxicology),
timeline (events, notes, findings), records (record requests) and documents."""
