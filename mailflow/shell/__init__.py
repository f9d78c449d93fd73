"""The imperative shell: IMAP, SMTP, SQLite, calendars, the clock; one cycle (`run_once`)."""
