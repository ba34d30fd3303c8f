"""The writing rules, one module per family; ``checker.RULES`` lists them in order."""
