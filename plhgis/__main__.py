"""`python -m plhgis`."""
from .cli import main

main()
