# make demo | test | lint | bench
demo:
	plhgis demo

test:
	python -m pytest

lint:
	ruff check plhgis tests benchmarks

bench:
	python benchmarks/bench_cli.py
	python benchmarks/bench_store.py
	python benchmarks/bench_updates.py
	python benchmarks/bench_parcels.py
	python benchmarks/bench_checks.py
	python benchmarks/bench_maps.py
	python benchmarks/bench_postgis.py
	python benchmarks/bench_packs.py
	python benchmarks/bench_permits.py

.PHONY: demo test lint bench
