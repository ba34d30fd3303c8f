"""A local emulator of the Messenger Platform.

It plays Meta: the Graph API surface (Send API, Attachment Upload, Messenger Profile, User
Profile, thread control, subscriptions, notification tokens, marketing messages), the policy
as dated rules, rate limits, signed webhooks to the Page's callback, and simulated people
driven by a control API and a phone-like web page.

It must never import Comptoir's own policy code (``comptoir.domain``, ``comptoir.services``,
``comptoir.channels``): it is an independent implementation of the same rules, so that testing
one against the other means something. ``tests/emulator/test_graph_independence.py`` checks this.
"""
