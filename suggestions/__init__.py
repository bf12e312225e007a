"""Suggestions (意见建议): intake from every channel, routing, handling, board, selection."""
