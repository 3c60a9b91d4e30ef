"""Running a model over inputs: a stream of records in, results out in input order.

``stream`` classifies in this process, ``parallel`` hands batches to worker processes,
``dask_engine`` runs partitions on a Dask cluster, and ``output`` writes results.
"""
