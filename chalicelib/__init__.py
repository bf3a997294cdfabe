"""qungov domain code: everything Chalice deploys besides app.py."""
