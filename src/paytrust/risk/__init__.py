"""Real-time risk engine: features, lists, rules, model, decision with reasons."""
