"""Foundation: exit codes and errors, safe YAML, shipped files, findings and their words, limits, result models."""
