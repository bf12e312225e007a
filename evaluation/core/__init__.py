"""The core every room stands on: extensions, database base, errors, config, auth,
permissions, audit log, security headers and form helpers. It imports no room."""
