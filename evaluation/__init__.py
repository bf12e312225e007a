"""The sanmin application: its core, the campaign room and the web shell on top.

`evaluation.core` imports no room; `evaluation.campaign` is the lowest room; `evaluation.shell`
(the app factory, blueprint list, API assembly, command line and demo) may import every room.
"""
