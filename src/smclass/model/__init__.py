"""The model: its file format (``files``), training (``training``), scoring folded into
lookup tables (``scorer``), labelled data (``dataset``) and scores against references
(``evaluation``).
"""
