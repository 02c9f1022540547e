"""The clinic's date format (Administration → Dates): how every page of the
clinic writes dates and times (:mod:`clinic.dates`)."""
