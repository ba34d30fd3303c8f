"""Comptoir's pure rules: no I/O, no clock reads, standard library only.

The policy engine: ``policy.decide`` (may this message go, and how), ``policy.describe``
(the answer in words), ``policy_rules`` (the dated table it reads), ``clock`` (the time,
passed in).
"""
