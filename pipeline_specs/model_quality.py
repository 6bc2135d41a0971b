"""Model quality: per matured window, each served version's quality from late ground truth, and the decline verdict.

Wiring only: every step is a file in `steps/`, every value is a run parameter (the manifest's
`monitoring.quality`, the stack's tables and project, the deployed versions), and the steps run in
the model image's `train` target, so this template is the same for every stack.
"""

from kfp import dsl
from kfp.dsl.graph_component import GraphComponent

from pipeline_specs.steps.decide import decide
from pipeline_specs.steps.measure import measure

NAME = "model-quality"


def model_quality(image: str) -> GraphComponent:
    """The pipeline whose steps run in `image` (the model image's train target)."""

    def step(function):  # type: ignore[no-untyped-def]
        return dsl.component(function, base_image=image, install_kfp_package=False)

    measure_step, decide_step = step(measure), step(decide)

    @dsl.pipeline(name=NAME, description="Measure served quality from late labels; write it and the decline verdict.")
    def pipeline(
        quality: str,
        requests: str,
        labels: str,
        versions: str,
        model: str,
        stack: str,
        project: str,
        as_of: str = "",
        points_file: str = "",
    ) -> None:
        measured = measure_step(
            requests=requests, labels=labels, quality=quality, versions=versions, project=project, as_of=as_of
        ).set_display_name("measure quality")
        decide_step(
            windows=measured.outputs["windows"],
            quality=quality,
            versions=versions,
            model=model,
            stack=stack,
            project=project,
            as_of=as_of,
            points_file=points_file,
        ).set_display_name("decide and write points")

    return pipeline
