"""Continuous training: ingest, validate, train, evaluate, judge and, for a better model, propose.

Wiring only: every step is a file in `steps/`, every value comes from the `spec` parameter
(the model manifest's values) or the run's parameters, and the steps run in the model image's
`train` target, named by its content hash, so this template is the same for every stack.
"""

from kfp import dsl
from kfp.dsl.graph_component import GraphComponent

from pipeline_specs.steps.evaluate import evaluate
from pipeline_specs.steps.ingest import ingest
from pipeline_specs.steps.judge import judge
from pipeline_specs.steps.propose import propose
from pipeline_specs.steps.train import train
from pipeline_specs.steps.validate import validate

NAME = "continuous-training"


def continuous_training(image: str) -> GraphComponent:
    """The pipeline whose steps run in `image` (the model image's train target)."""

    def step(function):  # type: ignore[no-untyped-def]
        return dsl.component(function, base_image=image, install_kfp_package=False)

    ingest_step, validate_step, train_step = step(ingest), step(validate), step(train)
    evaluate_step, judge_step, propose_step = step(evaluate), step(judge), step(propose)

    @dsl.pipeline(name=NAME, description="Retrain a model, judge it against the champion, propose it if better.")
    def pipeline(
        spec: str,
        data_uri: str,
        baseline_uri: str,
        models_bucket: str,
        repository: str,
        bucket_mirror: str = "",
    ) -> None:
        rows = ingest_step(uri=data_uri).set_display_name("ingest training data")
        baseline = ingest_step(uri=baseline_uri).set_display_name("ingest baseline")
        checked = validate_step(rows=rows.outputs["rows"], baseline=baseline.outputs["rows"], spec=spec)
        checked.set_display_name("validate data")
        fitted = train_step(rows=rows.outputs["rows"], spec=spec).after(checked).set_display_name("train")
        scored = evaluate_step(model=fitted.outputs["model"], holdout=fitted.outputs["holdout"], spec=spec)
        scored.set_display_name("evaluate")
        verdict = judge_step(scores=scored.outputs["scores"], spec=spec).set_display_name("judge")
        with dsl.If(verdict.outputs["Output"] == True, name="challenger-wins"):  # noqa: E712
            propose_step(
                model=fitted.outputs["model"],
                scores=scored.outputs["scores"],
                rows=rows.outputs["rows"],
                holdout=fitted.outputs["holdout"],
                spec=spec,
                models_bucket=models_bucket,
                repository=repository,
                bucket_mirror=bucket_mirror,
                run=dsl.PIPELINE_JOB_NAME_PLACEHOLDER,
            ).set_display_name("propose")

    return pipeline
