"""Ballot boxes, voting cards (tokens), casting, paper entry and the per-box tally."""
