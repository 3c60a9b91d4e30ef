"""Features: what a post's text becomes before a model scores it.

``normalize`` turns platform furniture into marker words; ``tokens`` hashes word and
character n-grams for a whole batch at once; ``signals`` counts the taxonomy signals;
``embeddings`` holds the static MiniLM table; ``kernel`` (with ``_kernel.c`` and
``_normalize.c``) is the compiled path for the same numbers; ``transformers`` wraps them
as scikit-learn transformers for training.
"""
