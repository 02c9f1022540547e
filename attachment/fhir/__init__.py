"""Between's FHIR R4 exchange: one client's record out as a Bundle, and back in."""
