"""Live updates to agents: in-process by default, Redis when several processes run."""
