"""The web shell: create_app(), the blueprint list, the API assembly, the command line and
the demo. It sits on top and may import every room."""
