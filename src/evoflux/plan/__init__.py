"""Planning with a model: tool cards for prompts, the planner, the answer synthesizer."""
