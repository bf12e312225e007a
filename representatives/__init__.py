"""The representatives room (市民代表): the roster, quotas, the draw and who was invited."""
