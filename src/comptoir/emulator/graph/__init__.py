"""The emulator's Graph API surface: what an app calls on ``graph.facebook.com``.

``routes.graph_routes(emulator)`` mounts one catch-all route that strips an optional
``/vNN.N`` prefix, parses the request once (``request.py``: token from the query, the body or
``Authorization: Bearer``; JSON, form or multipart bodies with JSON-string values) and
dispatches on ``(node, edge, method)``:

=============================================  ==========================================
``POST /{page|me}/messages``                   ``send.py`` (checks of §2.13, in order)
``POST /{page|me}/message_attachments``        ``uploads.py``
``GET|POST|DELETE /{page|me}/messenger_profile`` ``profile.py`` (and ``custom_user_settings``)
``GET /{psid}``, ``GET /{page|me}``             ``users.py``
``POST .../{pass,take,request,release,extend}_thread_control``, ``GET .../thread_owner``
                                               ``thread_control.py``
``GET|POST|DELETE /{page}/subscribed_apps``     ``subscriptions.py``
``GET|POST|DELETE /{app-id}/subscriptions``     ``subscriptions.py`` (app access token)
``GET /{page}/notification_message_tokens``     ``tokens.py``
``POST /act_{id}/messages``                    ``marketing.py``
``GET|POST /{page}/message_templates``          ``templates_api.py``
=============================================  ==========================================

Every failure is a ``GraphError`` from ``comptoir.emulator.catalogue``, rendered in Meta's shape.
"""
