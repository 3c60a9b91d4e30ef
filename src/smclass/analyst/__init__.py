"""Analyst tools: what an analyst does with labels beyond making them.

``audit`` finds labels that are probably wrong (confident learning, with cleanlab);
``suggest`` picks the unlabelled posts worth labelling next; ``report`` turns classify
output into counts, trends, typical words and the trace of Emergent use across a
collection, as numbers and as one self-contained HTML page.
"""
