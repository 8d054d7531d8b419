"""The kernel every PayTrust module stands on."""
