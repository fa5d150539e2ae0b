"""The benchmark: `python -m bench.run` (or `make bench`). See bench/README.md."""
