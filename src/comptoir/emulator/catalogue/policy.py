"""Errors of policy and permission: window, blocks, routing, private replies (§4.2)."""

from __future__ import annotations

from comptoir.emulator.errors import GraphError

_WINDOW_POLICY_URL = "https://developers.facebook.com/docs/messenger-platform/policy-overview"


# ---- policy and permission (10, 200, 230, 551) ---------------------------------------------


def outside_window() -> GraphError:
    """10/2018278: outside the window with no valid exception (Appendix C)."""
    return GraphError(
        10,
        "(#10) This message is sent outside of allowed window. Learn more about the new "
        f"policy here: {_WINDOW_POLICY_URL}",
        subcode=2018278,
    )


def outside_window_instagram() -> GraphError:
    """10/2534022: the same, on the Instagram path."""
    return GraphError(10, "(#10) This message is sent outside of allowed window.", subcode=2534022)


def news_permission_required() -> GraphError:
    """10/2018065: NON_PROMOTIONAL_SUBSCRIPTION without News Messaging."""
    return GraphError(
        10,
        "(#10) This message is sent outside of allowed window. You need News Messaging "
        "permission to send messages with the NON_PROMOTIONAL_SUBSCRIPTION tag.",
        subcode=2018065,
    )


def recipient_cannot_receive() -> GraphError:
    """10/2018108: the recipient cannot receive messages right now."""
    return GraphError(10, "(#10) They can't receive your messages right now.", subcode=2018108)


def page_restricted() -> GraphError:
    """10/1893063: the Page is temporarily restricted (error added 2026-06-25)."""
    return GraphError(
        10, "(#10) You are temporarily restricted from sending messages.", subcode=1893063
    )


def notifications_stopped() -> GraphError:
    """10/1893015: the person stopped these marketing/recurring messages."""
    return GraphError(
        10,
        "(#10) This user has currently stopped notification messages for this topic",
        subcode=1893015,
    )


def optin_requests_barred() -> GraphError:
    """10/1404170: the Page may not send marketing opt-in requests for now."""
    return GraphError(
        10, "(#10) Application does not have permission for this action", subcode=1404170
    )


def user_thread_impact() -> GraphError:
    """10/2018336: thread-level impact check of the user-level menu API."""
    return GraphError(10, "(#10) User Thread Impact", subcode=2018336)


def permission_denied(
    detail: str = "Application does not have permission for this action",
) -> GraphError:
    """10: the app lacks a permission or feature (pages_messaging, human_agent, ...)."""
    return GraphError(10, f"(#10) {detail}")


def thread_controlled_by_other_app() -> GraphError:
    """10/2018300: Conversation Routing gives this thread to another app."""
    return GraphError(
        10,
        "(#10) Message failed to send because another app is controlling this thread now.",
        subcode=2018300,
    )


def automated_qa_flow() -> GraphError:
    """10/2018321: Messenger controls the chat during an automated Q&A flow."""
    return GraphError(
        10, "(#10) Chat controlled by Messenger during an automated Q&A flow", subcode=2018321
    )


def receivers_only() -> GraphError:
    """10/2018171: legacy handover, only for primary and secondary receivers."""
    return GraphError(
        10, "(#10) Only available to Primary and Secondary Receivers.", subcode=2018171
    )


def not_thread_owner() -> GraphError:
    """100/2534037: a routing action by an app that does not own the thread."""
    return GraphError(
        100, "(#100) The action is invalid since it's not the thread owner.", subcode=2534037
    )


def person_not_receiving() -> GraphError:
    """551: the person blocked the Page (variant without subcode)."""
    return GraphError(551, "(#551) This person isn't receiving messages from you right now.")


def person_unavailable() -> GraphError:
    """551/1545041: blocked, deactivated or unreachable (Appendix C)."""
    return GraphError(551, "(#551) This person isn't available right now.", subcode=1545041)


def message_not_sent_unavailable() -> GraphError:
    """200/1545041: the listed variant of the same."""
    return GraphError(
        200, "(#200) Message Not Sent: This person isn't available right now.", subcode=1545041
    )


def dev_mode_recipient() -> GraphError:
    """200/2018028: a development-mode app messaging someone without a role on it."""
    return GraphError(
        200,
        "(#200) Cannot message users who are not admins, developers or testers of the app "
        "until pages_messaging permission is reviewed and the app is live.",
        subcode=2018028,
    )


def phone_matching_fee() -> GraphError:
    """200/2018021: customer matching without the access fee."""
    return GraphError(
        200,
        "(#200) Requires phone matching access fee to be paid by this page unless the "
        "recipient user is an admin, developer, or tester of the app.",
        subcode=2018021,
    )


def phone_number_permission() -> GraphError:
    """230 (HTTP 403): a ``phone_number`` recipient without the permission."""
    return GraphError(
        230,
        "(#230) Requires pages_messaging_phone_number permission to manage the object",
        status=403,
    )


def abusive_action() -> GraphError:
    """368: the action is deemed abusive or otherwise disallowed."""
    return GraphError(
        368, "(#368) The action attempted has been deemed abusive or is otherwise disallowed"
    )


def commerce_disabled() -> GraphError:
    """2022: the ability to send (commerce) messages is temporarily disabled."""
    return GraphError(
        2022,
        "(#2022) The ability to send commerce messages has been temporarily disabled for "
        "this Page.",
    )


# ---- private replies, profile, misc --------------------------------------------------------


def activity_already_replied() -> GraphError:
    """10900: a second private reply to the same comment or post (Appendix C)."""
    return GraphError(10900, "(#10900) Activity already replied to")


def cannot_reply_to_activity() -> GraphError:
    """10903: no private reply possible (unknown, another Page's, or older than 7 days)."""
    return GraphError(10903, "(#10903) This user cant reply to this activity")


def messages_disabled() -> GraphError:
    """10904: the Page turned messaging off."""
    return GraphError(10904, "(#10904) The page has messages disabled in the settings")


def message_deleted() -> GraphError:
    """100/9000001: reply_to or react on a deleted message. [code UNVERIFIED: the reference
    gives the subcode only]"""
    return GraphError(
        100, "This Message has been deleted by the user or the business.", subcode=9000001
    )


def instant_game_limit() -> GraphError:
    """200/2018144: Instant Games, 5 notifications within 10 days. [code UNVERIFIED]"""
    return GraphError(
        200,
        "(#200) Could not send Instant Game message, only 5 notifications can be sent within "
        "10 days since they last played.",
        subcode=2018144,
    )


def invalid_account_linking_token() -> GraphError:
    """10303: account linking."""
    return GraphError(10303, "(#10303) Invalid account_linking_token")


def no_profile() -> GraphError:
    """100/2018218: no profile for this user (User Profile API). [code UNVERIFIED]"""
    return GraphError(100, "(#100) No profile available for this user.", subcode=2018218)


def profile_permission() -> GraphError:
    """10/2018247: not allowed to read this profile. [code UNVERIFIED]"""
    return GraphError(10, "(#10) Insufficient permission to access user profile.", subcode=2018247)


def instagram_not_linked() -> GraphError:
    """100/2534013: the Page has no linked Instagram account."""
    return GraphError(
        100, "(#100) The page is not linked to an Instagram account.", subcode=2534013
    )


def instagram_no_user() -> GraphError:
    """100/2534014: no matching Instagram user."""
    return GraphError(100, "(#100) No matching Instagram user", subcode=2534014)


def instagram_invalid_message() -> GraphError:
    """100/2534015: invalid message data (Instagram)."""
    return GraphError(100, "(#100) Invalid message data", subcode=2534015)


def instagram_dms_disabled() -> GraphError:
    """200/2534041: the account owner disabled access to Instagram direct messages."""
    return GraphError(
        200,
        "(#200) The account owner has disabled access to instagram direct messages",
        subcode=2534041,
    )
