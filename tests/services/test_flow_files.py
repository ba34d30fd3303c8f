from __future__ import annotations

import os
import re
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from comptoir.domain.automation import (
    Answer,
    FlowContext,
    Incoming,
    Routed,
    SendQuickReplies,
    SendText,
    SetField,
    advance,
    fill,
    start,
)
from comptoir.domain.automation.model import SendTextStep
from comptoir.services.flow_files import FlowFilesError, FlowLibrary, Problem, read_folder

EXAMPLES = Path(__file__).parents[2] / "flows" / "examples"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(FlowFilesError) as caught:
        read_folder(folder)
    return [f"{Path(p.file).name}:{p.line}: {p.message}" for p in caught.value.problems]


GOOD = """
    flow: greet
    triggers:
      - get_started
    steps:
      - send: {fr: Bonjour, en: Hello}
"""


@pytest.mark.parametrize("example", ["shop", "salon", "nonprofit"])
def test_examples_load(example: str) -> None:
    flows = read_folder(EXAMPLES / example)
    assert flows.flows
    assert flows.faq
    routed = flows.router.route(Incoming(postback="GET_STARTED"))
    assert isinstance(routed, Routed)
    fields = {"first_name": "Ann"}
    _, actions = start(routed.flow, FlowContext(now=NOW, locale="en_US", fields=fields))
    first, step = actions[0], routed.flow.steps[0]
    assert isinstance(first, SendText | SendQuickReplies)
    assert isinstance(step, SendTextStep)
    assert first.text == fill(dict(step.text.texts)["en"], fields)
    assert "Ann" in first.text


def test_shop_order_flow_rejects_a_wrong_email_then_accepts_a_right_one() -> None:
    flows = read_folder(EXAMPLES / "shop")
    routed = flows.router.route(Incoming(text="Où en est ma commande ?"))
    assert isinstance(routed, Routed)
    flow, context = routed.flow, FlowContext(now=NOW, locale="fr_FR")
    state, _ = start(flow, context)
    assert state is not None
    state, _ = advance(flow, state, Answer("CMD-1234"), context)
    assert state is not None
    state, actions = advance(flow, state, Answer("marie@"), context)
    assert actions[0] == SendText(
        "Cette adresse ne semble pas valide (exemple : marie@exemple.fr)."
    )
    assert state is not None
    state, actions = advance(flow, state, Answer("marie@exemple.fr"), context)
    assert actions[0] == SetField("email", "marie@exemple.fr")


def test_a_good_folder_loads_and_yes_no_stay_words(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD)
    write(
        tmp_path,
        "b.yml",
        """
        flow: answer
        triggers: [{keyword: [yes, no]}, {postback: 42}]
        steps:
          - send: ok
        """,
    )
    flows = read_folder(tmp_path)
    assert [f.name for f in flows.flows] == ["greet", "answer"]
    assert isinstance(flows.router.route(Incoming(text="YES")), Routed)
    assert isinstance(flows.router.route(Incoming(postback="42")), Routed)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("flow: x\nsteps:\n  - send: [unclosed\n", "x.yaml:4: not valid YAML"),
        ("- just a list\n", "x.yaml:1: a flow file must be a mapping"),
        ("name: x\n", "x.yaml:1: a flow file starts with flow:"),
        ("flow: x\nflow: y\nsteps: []\n", "x.yaml:2: 'flow' is given twice"),
        (
            "flow: x\nsteps:\n  - send: hi\n  - wait: 1d\n",
            "x.yaml:4: waits add up to 24 h after the contact's last message",
        ),
        ("flow: x\nsteps:\n  - send: hi\n  - wait: 12h\n  - wait: 11h\n", "x.yaml:5: waits add up"),
        ("flow: x\nsteps:\n  - wait: soon\n", "x.yaml:3: wait must be a duration"),
        ("flow: x\nsteps:\n  - shout: hi\n", "x.yaml:3: a step needs exactly one of send"),
        (
            "flow: x\nsteps:\n  - send: hi\n    colour: red\n",
            "x.yaml:4: a send step: unknown key 'colour'",
        ),
        ("flow: x\nsteps:\n  - send: {fr: a, de_x: b}\n", "x.yaml:3: the message: 'de_x' is not"),
        ("flow: x\nsteps:\n  - send: {en: hi}\n", "x.yaml:3: the message has no 'fr' text"),
        (
            "flow: x\ntriggers: [{poke: 1}]\nsteps: [{send: hi}]\n",
            "x.yaml:2: unknown trigger 'poke'",
        ),
        (
            "flow: x\nsteps:\n  - ask: Mail ?\n    field: email\n    expect: mail\n",
            "x.yaml:5: expect: 'mail'",
        ),
        (
            "flow: x\nsteps:\n  - ask: Oui ?\n    field: r\n    expect: choice\n",
            "x.yaml:3: expect: choice needs",
        ),
        (
            "flow: x\nsteps:\n  - branch: [{if: {open: true}, goto: nowhere}]\n",
            "x.yaml:3: goto 'nowhere'",
        ),
        (
            "flow: x\nsteps:\n  - id: a\n    send: hi\n  - id: a\n    send: ho\n",
            "x.yaml:5: step id 'a' is used twice",
        ),
        (
            "flow: x\nsteps:\n  - http: {url: 'ftp://x'}\n",
            "x.yaml:3: url 'ftp://x' must start with https://",
        ),
        (
            "flow: x\nsteps:\n  - http: {url: 'https://x.fr', timeout: 60}\n",
            "x.yaml:3: timeout (seconds) must be between",
        ),
        (
            "flow: x\nsteps:\n  - send: hi\n    quick_replies: [{title: A}]\n",
            "x.yaml:4: an item of quick_replies needs payload:",
        ),
        ("faq:\n  - questions: [a]\n", "x.yaml:2: an FAQ entry needs questions: and answer:"),
        (
            "flow: x\ndefault_locale: french\nsteps: [{send: hi}]\n",
            "x.yaml:2: default_locale: 'french'",
        ),
        ("", "x.yaml:1: a flow file must be a mapping"),
        (
            "flow: x\nsteps:\n  - send: &t hi\n  - send: *t\n",
            "x.yaml:4: aliases (*name) are not allowed",
        ),
        (
            "flow: x\nsteps:\n  - send: hi\n    quick_replies:\n"
            "      - {title: Une réponse bien trop longue, payload: P}\n",
            "x.yaml:5: a title (fr) has 28 characters; Messenger allows 20",
        ),
        (
            "flow: x\nsteps:\n  - send: "
            + "a" * 641
            + "\n    buttons: [{title: Go, payload: P}]\n",
            "x.yaml:3: the text above buttons (fr) has 641 characters; Messenger allows 640",
        ),
        (
            "flow: x\nsteps:\n  - send: " + "a" * 2000 + "\n",
            "x.yaml:3: the message (fr) has 2000 characters; Messenger allows 1999",
        ),
        (
            "flow: x\nsteps:\n  - ask: Lequel ?\n    field: f\n    expect: choice\n"
            "    choices:\n      - Court\n      - Une option au nom très long\n",
            "x.yaml:8: choice 'Une option au nom très long' is over 20 characters",
        ),
    ],
)
def test_problems_name_the_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    found = problems_of(tmp_path)
    assert any(p.startswith(expected) for p in found), found


def test_every_bad_step_is_reported_at_once(tmp_path: Path) -> None:
    write(
        tmp_path,
        "x.yaml",
        """
        flow: x
        steps:
          - send: hi
          - wait: never
          - send: hi
          - add_label: [a, b]
        """,
    )
    assert problems_of(tmp_path) == [
        "x.yaml:4: wait must be a duration like 30m, 2h or 1h30m, not 'never'",
        "x.yaml:6: a label must be text",
    ]


def test_duplicate_flow_names_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD)
    [problem] = problems_of(tmp_path)
    assert problem.startswith("b.yaml:1: flow name 'greet' is already used in ")
    assert problem.endswith("a.yaml:1")


def test_unreadable_files_and_missing_folder(tmp_path: Path) -> None:
    (tmp_path / "bin.yaml").write_bytes(b"flow: \xff\xfe\n")
    assert problems_of(tmp_path) == ["bin.yaml:1: not UTF-8 text"]
    with pytest.raises(FlowFilesError) as caught:
        read_folder(tmp_path / "absent")
    assert caught.value.problems == (Problem(str(tmp_path / "absent"), 0, "no such folder"),)
    assert str(caught.value) == f"{tmp_path / 'absent'}: no such folder"


def test_hidden_files_and_folders_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD)
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".git", "broken.yaml", "flow: [")
    write(tmp_path, ".#a.yaml", "flow: [")
    assert [f.name for f in read_folder(tmp_path).flows] == ["greet"]


def test_library_is_all_or_nothing_and_reloads_on_change(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD)
    library = FlowLibrary(tmp_path)
    assert library.load() == ()
    assert [f.name for f in library.current.flows] == ["greet"]
    assert library.reload_if_changed() is None

    write(tmp_path, "b.yaml", "flow: second\nsteps:\n  - send: Bonjour\n")
    bad = write(tmp_path, "c.yaml", "flow: broken\nsteps:\n  - wait: 30h\n")
    problems = library.reload_if_changed()
    assert problems
    assert [str(p).split(":")[1] for p in problems] == ["3"]
    assert [f.name for f in library.current.flows] == ["greet"]  # nothing half-loaded
    assert library.reload_if_changed() is None  # unchanged since: not re-read

    bad.write_text("flow: fixed\nsteps:\n  - wait: 3h\n", encoding="utf-8")
    os.utime(bad, ns=(1, 1))
    assert library.reload_if_changed() == ()
    assert [f.name for f in library.current.flows] == ["greet", "second", "fixed"]


def test_the_documented_examples_load(tmp_path: Path) -> None:
    """Every YAML example of docs/flows.md loads (steps are wrapped in a flow)."""
    doc = (Path(__file__).parents[2] / "docs" / "flows.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", doc, re.DOTALL)
    assert len(blocks) > 10
    targets = "".join(f"\n- id: {name}\n  send: ok" for name in _DOC_TARGETS)
    for index, block in enumerate(blocks):
        if block.startswith(("flow:", "default_locale:")):
            text = block
        elif block.startswith("send:"):  # alternative forms of one key, one per line
            text = "flow: alt\nsteps:\n" + "".join(f"  - {line}\n" for line in block.splitlines())
        else:
            lines = (block + targets).splitlines()
            text = "flow: doc\nsteps:\n" + "".join(f"  {line}\n" for line in lines)
        path = write(tmp_path, f"{index:02}.yaml", text)
        read_folder(tmp_path)
        path.unlink()


_DOC_TARGETS = ("closed", "vip_english", "premium", "standard", "person")


def test_a_trigger_that_starts_two_flows_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD)
    write(
        tmp_path,
        "b.yaml",
        """
        flow: other
        triggers:
          - keyword: bonjour
          - get_started
          - postback: MENU
          - postback: MENU
        steps:
          - send: Bonjour
        """,
    )
    first = tmp_path / "a.yaml"
    assert problems_of(tmp_path) == [
        f"b.yaml:4: this trigger already starts flow 'greet' ({first}:3); "
        "the first one wins, so this one would never fire",
        f"b.yaml:6: this trigger already starts flow 'other' ({tmp_path / 'b.yaml'}:5); "
        "the first one wins, so this one would never fire",
    ]
