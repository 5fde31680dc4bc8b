"""Documents: files and pages read, decoded, extracted and cleaned into articles."""
