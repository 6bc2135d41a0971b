from kfp.dsl import Artifact, Input, Output


def judge(scores: Input[Artifact], spec: str, verdict: Output[Artifact]) -> bool:
    """Champion against challenger: meet every threshold and beat the champion by the declared gain.

    Inputs: scores (from evaluate); spec, the manifest's values, with the champion's card metrics.
    Outputs: whether to propose the challenger; verdict, JSON with the decision and its reasons.
    """
    import json

    from estaleiro.training.judge import judge as decide
    from estaleiro.training.spec import TrainingSpec

    settings = TrainingSpec.model_validate_json(spec)
    with open(scores.path, encoding="utf-8") as source:
        challenger = {s["type"]: s["value"] for s in json.load(source) if not s["slice"]}
    champion = settings.champion.metrics if settings.champion else None
    options = settings.training.judge
    decision = decide(challenger, champion, settings.thresholds, options.primary_metric, options.minimum_gain)
    with open(verdict.path, "w", encoding="utf-8") as out:
        json.dump({"accepted": decision.accepted, "reasons": list(decision.reasons)}, out, indent=2)
    verdict.metadata.update({"verdict": str(decision)})
    print(decision)
    return decision.accepted
