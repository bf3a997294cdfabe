"""The local command line (`python -m jobs ...`); never deployed."""
