"""The unanswered-distress alert: a distress or crisis contact still
unanswered when its reply is due tells the therapist (or the cover) within
minutes, and the supervisor if it stays unanswered."""
