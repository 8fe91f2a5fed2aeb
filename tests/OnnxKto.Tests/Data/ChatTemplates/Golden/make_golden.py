#!/usr/bin/python3
"""Golden renderings of the chat templates in templates/ on the conversations in cases.json.

Regenerate (Debian 12's python3-jinja2, 3.1.2; `apt-get install -y python3-jinja2`):

    /usr/bin/python3 tests/OnnxKto.Tests/Data/ChatTemplates/Golden/make_golden.py

Writes golden.jsonl next to this file: one line per (template, case) with either "text" (the rendering) or
"error" and "error_type" (the exception the render raised; only a TemplateError's message is template text), and
features.golden.jsonl: the same for the small templates of features.json (one Jinja feature each, rendered with
their "vars").

Jinja2 is configured as transformers' apply_chat_template configures it (src/transformers/utils/chat_template_utils.py):
ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with the loop-controls extension and a
`generation` block tag (AssistantTracker, which renders its body unchanged), the globals raise_exception(message)
and strftime_now(format) (frozen here at 2026-01-15 12:00:00), tojson overridden as json.dumps(x,
ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys), and the render call
render(messages=..., tools=tools or None, documents=None, add_generation_prompt=..., **special_tokens, **kwargs).
continue_final_message is transformers' post-processing: the tag "CONTINUE_FINAL_MESSAGE_TAG " is appended to the
final message's content and the rendering is cut where it appears. A case with "requires": ["tools"] is rendered
only for templates whose undeclared variables include `tools`. Special tokens per template are special_tokens.json.
"""
import copy
import json
import os
from datetime import datetime

import jinja2
from jinja2 import meta, nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = datetime(2026, 1, 15, 12, 0, 0)
TAG = "CONTINUE_FINAL_MESSAGE_TAG "


class Generation(Extension):
    """{% generation %}...{% endgeneration %}: renders its body as is (transformers' AssistantTracker does the same
    when no assistant mask is asked for)."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[Generation, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: NOW.strftime(fmt)
    return env


def render(env, source, case, special_tokens):
    chat = copy.deepcopy(case["messages"])
    continue_final = case.get("continue_final_message", False)
    if continue_final:
        final = chat[-1].get("content")
        if final is None:
            raise ValueError('continue_final_message is set but the final message has no "content" to continue!')
        chat[-1]["content"] = final + TAG
    text = env.from_string(source).render(
        messages=chat, tools=case.get("tools") or None, documents=None,
        add_generation_prompt=case.get("add_generation_prompt", False),
        **{**special_tokens, **case.get("kwargs", {})})
    if continue_final:
        if final.strip() not in text or TAG.strip() not in text:
            raise ValueError("continue_final_message is set but the final message does not appear in the chat after "
                             "applying the chat template!")
        at = text.rindex(TAG.strip())
        text = text[:at] if text[at:at + len(TAG)] == TAG else text[:at].rstrip()
    return text


def main():
    env = environment()
    cases = json.load(open(os.path.join(HERE, "cases.json"), encoding="utf-8"))
    tokens = json.load(open(os.path.join(HERE, "special_tokens.json"), encoding="utf-8"))
    rows = []
    for name in sorted(os.listdir(os.path.join(HERE, "templates"))):
        with open(os.path.join(HERE, "templates", name), encoding="utf-8", newline="") as f:
            source = f.read()
        undeclared = meta.find_undeclared_variables(env.parse(source))
        for case in cases:
            if "tools" in case.get("requires", []) and "tools" not in undeclared:
                continue
            row = {"template": name, "case": case["name"]}
            try:
                row["text"] = render(env, source, case, tokens[name])
            except Exception as e:  # the golden records what jinja2 raised
                row["error"] = str(e)
                row["error_type"] = type(e).__name__
            rows.append(row)
    with open(os.path.join(HERE, "golden.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"jinja2 {jinja2.__version__}: {len(rows)} renderings, {sum('error' in r for r in rows)} errors")
    features = []
    for feature in json.load(open(os.path.join(HERE, "features.json"), encoding="utf-8")):
        row = {"name": feature["name"]}
        try:
            row["text"] = env.from_string(feature["template"]).render(**feature["vars"])
        except Exception as e:  # the golden records what jinja2 raised
            row["error"] = str(e)
            row["error_type"] = type(e).__name__
        features.append(row)
    with open(os.path.join(HERE, "features.golden.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for row in features:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"features: {len(features)}, {sum('error' in r for r in features)} errors")


if __name__ == "__main__":
    main()
