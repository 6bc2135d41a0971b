"""Round-trip edits: only the lines an edit changes differ; every comment stays with its text."""

from __future__ import annotations

from collections.abc import Callable

from ruamel.yaml.comments import CommentedMap

from estaleiro.rollout import manifest_edit

MANIFEST = """\
# yaml-language-server: $schema=../../../estaleiro/schemas/model-manifest.schema.json
# Customer churn in dev.
apiVersion: estaleiro/v1
thresholds:
  auc: {min: 0.80}  # agreed with retention marketing
versions:  # newest last
  # v6: adds support-ticket sentiment
  v6:
    artifactUri: "gs://acme-ml-dev-models/churn/v6/"
    card: model_cards/churn/v6.yaml  # reviewed 2026-08
  # v7: retrained to 2026-10-15

  v7:
    artifactUri: gs://acme-ml-dev-models/churn/v7/
    card: model_cards/churn/v7.yaml

# the split sums to 100
traffic:
  v6: 90  # control
  v7: 10  # canary
# end
"""

V8 = {"artifactUri": "gs://acme-ml-dev-models/churn/v8/", "card": "model_cards/churn/v8.yaml"}


def edited(*edits: Callable[[CommentedMap], object]) -> str:
    document = manifest_edit.load(MANIFEST)
    for edit in edits:
        edit(document)
    return manifest_edit.dump(document)


def test_an_untouched_manifest_comes_back_byte_for_byte() -> None:
    assert edited() == MANIFEST


def test_adding_a_version_and_a_share_keeps_closing_comments_in_place() -> None:
    text = edited(
        lambda d: manifest_edit.add_version(d, "v8", V8),
        lambda d: manifest_edit.set_traffic(d, {"v6": 72, "v7": 8, "v8": 20}),
    )
    assert text == MANIFEST.replace(
        "    card: model_cards/churn/v7.yaml\n",
        "    card: model_cards/churn/v7.yaml\n"
        "  v8:\n"
        "    artifactUri: gs://acme-ml-dev-models/churn/v8/\n"
        "    card: model_cards/churn/v8.yaml\n",
    ).replace("  v6: 90  # control\n  v7: 10  # canary\n", "  v6: 72  # control\n  v7: 8   # canary\n  v8: 20\n")


def test_retiring_the_first_version_takes_its_own_comment_and_keeps_the_next_ones() -> None:
    text = edited(lambda d: manifest_edit.retire_all_but(d, "v7"))
    assert text == MANIFEST.replace(
        '  # v6: adds support-ticket sentiment\n  v6:\n    artifactUri: "gs://acme-ml-dev-models/churn/v6/"\n'
        "    card: model_cards/churn/v6.yaml  # reviewed 2026-08\n",
        "",
    ).replace("  v6: 90  # control\n  v7: 10  # canary\n", "  v7: 100 # canary\n")


def test_retiring_the_last_version_keeps_what_follows_the_block() -> None:
    text = edited(lambda d: manifest_edit.retire_all_but(d, "v6"))
    assert text == MANIFEST.replace(
        "  # v7: retrained to 2026-10-15\n\n  v7:\n    artifactUri: gs://acme-ml-dev-models/churn/v7/\n"
        "    card: model_cards/churn/v7.yaml\n",
        "",
    ).replace("  v6: 90  # control\n  v7: 10  # canary\n", "  v6: 100 # control\n")


def test_replacing_every_version_keeps_the_closing_comments() -> None:
    text = edited(lambda d: manifest_edit.add_version(d, "v8", V8), lambda d: manifest_edit.retire_all_but(d, "v8"))
    assert text.endswith("\n# the split sums to 100\ntraffic:\n  v8: 100\n# end\n")
    assert "v6" not in text and "v7" not in text
    assert "versions:  # newest last\n  v8:\n" in text


def test_a_new_manifest_keeps_the_schema_line_and_says_where_it_came_from() -> None:
    document = manifest_edit.new_manifest(manifest_edit.load(MANIFEST), "v7", "Promoted from dev.")
    text = manifest_edit.dump(document)
    assert text.startswith(
        "# yaml-language-server: $schema=../../../estaleiro/schemas/model-manifest.schema.json\n"
        "# Promoted from dev.\napiVersion: estaleiro/v1\n"
    )
    assert "traffic:\n  v7: 100 # canary\n" in text and "  v6:" not in text
