"""The client's safety plan (Stanley–Brown structure), versioned, with a
printable client copy."""
