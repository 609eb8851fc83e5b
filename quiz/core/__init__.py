"""Pure domain code: no Flask, no database; time and randomness are passed in."""
