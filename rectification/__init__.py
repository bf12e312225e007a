"""Rectification (整改): tasks, milestones, progress, supervision checks, the public board."""
